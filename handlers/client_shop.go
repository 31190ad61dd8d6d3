package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"recharge/db"
	"recharge/shop"
)

// shopItem is one product as the shop page shows it.
type shopItem struct {
	db.Product
	Token        string // one-shot token of its buy form
	SoldOut      bool
	StockLeft    int64
	MissingCents int64 // how much the wallet lacks to buy it (0 = affordable)
}

func (s *Server) shopPage(c *fiber.Ctx) error {
	return s.renderShop(c, fiber.StatusOK, nil)
}

// renderShop shows the active products; problem (may be nil) is the alert of a refused
// purchase.
func (s *Server) renderShop(c *fiber.Ctx, status int, problem fiber.Map) error {
	u := currentUser(c)
	products, err := s.store.ActiveProducts(c.UserContext())
	if err != nil {
		return err
	}
	items := make([]shopItem, 0, len(products))
	for _, p := range products {
		it := shopItem{Product: p, Token: s.formToken(c, "buy:"+strconv.FormatInt(p.ID, 10))}
		if p.Stock != nil {
			it.StockLeft = *p.Stock
			it.SoldOut = *p.Stock == 0
		}
		if p.PriceCents > u.BalanceCents {
			it.MissingCents = p.PriceCents - u.BalanceCents
		}
		items = append(items, it)
	}
	return s.page(c, status, "client/shop", tr(c, "shop.title"), fiber.Map{
		"Nav": "shop", "Items": items, "Problem": problem, "BalanceShown": true, "TopUp": s.topUpLink(c),
	})
}

// shopBuy: POST /client/shop/:id/buy. Success and a replayed form both redirect (303)
// to the services page with a message; a refusal re-renders the shop with the reason:
// 409 insufficient balance (with a top-up link), out of stock / not for sale /
// expired form, 404 unknown product.
func (s *Server) shopBuy(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	set, err := s.settingsOf(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	token, err := s.checkFormToken(c, "buy:"+strconv.FormatInt(id, 10))
	if err == nil {
		var p *shop.Purchase
		p, err = s.shop.Buy(c.UserContext(), set.Fund, u.ID, id, token)
		if err == nil {
			if p.Replayed {
				s.flash(c, "info", "flash.shop_already_bought")
				return c.Redirect("/client/services", fiber.StatusSeeOther)
			}
			s.log.Info("purchase", "user_id", u.ID, "product_id", id, "invoice_id", p.InvoiceID, "cents", p.PriceCents)
			s.flash(c, "success", "flash.shop_bought")
			return c.Redirect("/client/services?new="+strconv.FormatInt(p.ServiceID, 10), fiber.StatusSeeOther)
		}
	}
	status, key, ok := formOutcome(err)
	if !ok {
		return err // db.ErrNotFound → 404; anything else is logged as a 500
	}
	return s.renderShop(c, status, s.problem(c, key, key == keyInsufficient))
}

// problem is the alert of a refused money action; topUp adds the link to top up.
func (s *Server) problem(c *fiber.Ctx, key string, topUp bool) fiber.Map {
	m := fiber.Map{"Key": key, "Text": tr(c, key)}
	if topUp {
		m["TopUp"] = s.topUpLink(c)
	}
	return m
}

// topUpLink is where a customer adds credit: the Dedipass page, or the wallet when
// the Dedipass module is off.
func (s *Server) topUpLink(c *fiber.Ctx) string {
	if s.siteSettings(c).Modules.Dedipass {
		return "/client/dedipass"
	}
	return "/client/wallet"
}

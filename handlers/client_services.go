package handlers

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"recharge/db"
	"recharge/shop"
)

// serviceRow is one service as the services page shows it.
type serviceRow struct {
	db.Service
	DueAt     int64 // next due date (0 = none)
	CanRenew  bool
	TooEarly  bool   // monthly and active, but paid far enough ahead
	Token     string // one-shot token of its renew form
	Highlight bool   // just bought
	// Ends: runs to DueAt, then expires (renewal stopped, or product retired: Retired).
	Ends      bool
	Retired   bool
	CanCancel bool // active monthly service that still renews
}

func (s *Server) servicesPage(c *fiber.Ctx) error {
	return s.renderServices(c, fiber.StatusOK, nil)
}

func (s *Server) renderServices(c *fiber.Ctx, status int, problem fiber.Map) error {
	u := currentUser(c)
	list, err := s.store.ServicesOfUser(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	highlight, _ := strconv.ParseInt(c.Query("new"), 10, 64)
	now := db.Now()
	rows := make([]serviceRow, 0, len(list))
	for i := range list {
		sv := &list[i]
		r := serviceRow{Service: *sv, Highlight: sv.ID == highlight}
		if sv.NextDueAt != nil {
			r.DueAt = *sv.NextDueAt
		}
		switch err := shop.CanRenew(sv, now); {
		case err == nil:
			r.CanRenew = true
			r.Token = s.formToken(c, "renew:"+strconv.FormatInt(sv.ID, 10))
		case errors.Is(err, shop.ErrRenewTooEarly):
			r.TooEarly = true
		case errors.Is(err, shop.ErrRenewalStopped):
			r.Ends = true
		case errors.Is(err, shop.ErrProductRetired):
			r.Ends, r.Retired = true, true
		}
		r.CanCancel = shop.CanStopRenewal(sv) == nil && !r.Ends // a service that ends anyway has nothing to stop
		rows = append(rows, r)
	}
	return s.page(c, status, "client/services", tr(c, "service.title"), fiber.Map{
		"Nav": "services", "Services": rows, "Problem": problem,
	})
}

// serviceRenew: POST /client/services/:id/renew. Another customer's service is 404.
func (s *Server) serviceRenew(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	set, err := s.settingsOf(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	token, err := s.checkFormToken(c, "renew:"+strconv.FormatInt(id, 10))
	if err == nil {
		var r *shop.Renewal
		r, err = s.shop.Renew(c.UserContext(), set.Fund, u.ID, id, token)
		if err == nil {
			if r.Replayed {
				s.flash(c, "info", "flash.service_already_renewed")
			} else {
				s.log.Info("renewal", "user_id", u.ID, "service_id", id, "invoice_id", r.InvoiceID)
				s.flash(c, "success", "flash.service_renewed")
			}
			return c.Redirect("/client/services", fiber.StatusSeeOther)
		}
	}
	status, key, ok := formOutcome(err)
	if !ok {
		return err
	}
	return s.renderServices(c, status, s.problem(c, key, key == keyInsufficient))
}

// serviceCancel: POST /client/services/:id/cancel, the customer stops the renewal of
// their own monthly service (it runs to its end date). Another customer's service is 404.
func (s *Server) serviceCancel(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	sv, err := s.shop.StopRenewal(c.UserContext(), u.ID, id)
	if err != nil {
		status, key, ok := formOutcome(err)
		if !ok {
			return err
		}
		return s.renderServices(c, status, s.problem(c, key, false))
	}
	s.log.Info("renewal stopped", "user_id", u.ID, "service_id", sv.ID)
	s.flash(c, "success", "flash.service_renewal_stopped")
	return c.Redirect("/client/services", fiber.StatusSeeOther)
}

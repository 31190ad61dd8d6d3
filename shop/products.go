package shop

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"recharge/db"
	"recharge/money"
)

// Limits of the product form.
const (
	MaxNameLen        = 120
	MaxDescriptionLen = 2000
	MaxStock          = 1_000_000_000
)

// ProductForm is the admin product form as typed.
type ProductForm struct {
	Name        string
	Description string
	Price       string // decimal such as "2.50" or "2,50"
	Period      string // once | monthly ("" = once)
	Stock       string // "" = unlimited
	Active      bool
}

// FormOf fills the form from a stored product (edit page).
func FormOf(p *db.Product) ProductForm {
	f := ProductForm{Name: p.Name, Description: p.Description, Price: money.Cents(p.PriceCents).Decimal(),
		Period: p.Period, Active: p.Active}
	if p.Stock != nil {
		f.Stock = strconv.FormatInt(*p.Stock, 10)
	}
	return f
}

// ParseProduct validates the form. The first problem found is returned.
func ParseProduct(in ProductForm) (db.Product, error) {
	p := db.Product{
		Name:        strings.TrimSpace(in.Name),
		Description: strings.TrimSpace(strings.ReplaceAll(in.Description, "\r\n", "\n")),
		Active:      in.Active,
	}
	switch {
	case p.Name == "":
		return p, ErrNameRequired
	case !utf8.ValidString(p.Name) || utf8.RuneCountInString(p.Name) > MaxNameLen:
		return p, ErrNameTooLong
	case !utf8.ValidString(p.Description) || utf8.RuneCountInString(p.Description) > MaxDescriptionLen:
		return p, ErrDescriptionTooLong
	}
	price, err := money.Parse(in.Price)
	if err != nil {
		return p, fmt.Errorf("%w: %w", ErrPriceInvalid, err)
	}
	if price < 0 {
		return p, ErrPriceNegative
	}
	p.PriceCents = int64(price)
	switch in.Period {
	case "", db.PeriodOnce:
		p.Period = db.PeriodOnce
	case db.PeriodMonthly:
		p.Period = db.PeriodMonthly
	default:
		return p, ErrPeriodInvalid
	}
	if st := strings.TrimSpace(in.Stock); st != "" {
		n, err := strconv.ParseInt(st, 10, 64)
		if err != nil || n < 0 || n > MaxStock {
			return p, ErrStockInvalid
		}
		p.Stock = &n
	}
	return p, nil
}

// CreateProduct validates and stores a new product, audit-logged.
func (s *Shop) CreateProduct(ctx context.Context, actor db.Actor, in ProductForm) (*db.Product, error) {
	p, err := ParseProduct(in)
	if err != nil {
		return nil, err
	}
	err = s.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.InsertProduct(ctx, &p); err != nil {
			return err
		}
		return tx.Audit(ctx, actor, "product.create", productTarget(p.ID), productDetails(&p))
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// UpdateProduct validates and rewrites a product, audit-logged. Services already sold
// keep the name, price and period they were bought with.
func (s *Shop) UpdateProduct(ctx context.Context, actor db.Actor, id int64, in ProductForm) (*db.Product, error) {
	p, err := ParseProduct(in)
	if err != nil {
		return nil, err
	}
	p.ID = id
	err = s.Store.Tx(ctx, func(tx *db.Tx) error {
		before, err := tx.ProductByID(ctx, id)
		if err != nil {
			return err
		}
		p.CreatedAt = before.CreatedAt
		if err := tx.UpdateProduct(ctx, &p); err != nil {
			return err
		}
		return tx.Audit(ctx, actor, "product.update", productTarget(id),
			"before: "+productDetails(before)+" | after: "+productDetails(&p))
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// SetProductActive puts a product on or off sale, audit-logged. Products are never
// deleted: services and invoices keep pointing at them.
func (s *Shop) SetProductActive(ctx context.Context, actor db.Actor, id int64, active bool) error {
	return s.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.SetProductActive(ctx, id, active); err != nil {
			return err
		}
		action := "product.deactivate"
		if active {
			action = "product.activate"
		}
		return tx.Audit(ctx, actor, action, productTarget(id), "")
	})
}

func productTarget(id int64) string { return "product:" + strconv.FormatInt(id, 10) }

func productDetails(p *db.Product) string {
	stock := "unlimited"
	if p.Stock != nil {
		stock = strconv.FormatInt(*p.Stock, 10)
	}
	return fmt.Sprintf("name=%q price=%s period=%s stock=%s active=%t",
		p.Name, money.Cents(p.PriceCents).Decimal(), p.Period, stock, p.Active)
}

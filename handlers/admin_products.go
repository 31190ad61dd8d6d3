package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"recharge/shop"
)

func productForm(c *fiber.Ctx) shop.ProductForm {
	return shop.ProductForm{
		Name:        c.FormValue("name"),
		Description: c.FormValue("description"),
		Price:       c.FormValue("price"),
		Period:      c.FormValue("period"),
		Stock:       c.FormValue("stock"),
		Active:      c.FormValue("active") == "1",
	}
}

func (s *Server) adminProducts(c *fiber.Ctx) error {
	return s.renderProducts(c, fiber.StatusOK, shop.ProductForm{Active: true, Period: "once"}, "")
}

// renderProducts shows the product list and the creation form (form keeps what was
// typed when errKey says why it was refused).
func (s *Server) renderProducts(c *fiber.Ctx, status int, form shop.ProductForm, errKey string) error {
	p := pager(c, 25)
	list, total, err := s.store.ProductsPage(c.UserContext(), p.PerPage, p.Offset())
	if err != nil {
		return err
	}
	p.Total = total
	p.Path = "/admin/products"
	data := fiber.Map{"Nav": "admin_products", "Products": list, "Pager": p, "Form": form, "Action": "/admin/products"}
	if errKey != "" {
		data["Error"] = tr(c, errKey)
	}
	return s.page(c, status, "admin/products", tr(c, "product.title"), data)
}

// adminProductCreate: POST /admin/products. Bad input → 422 with the form kept.
func (s *Server) adminProductCreate(c *fiber.Ctx) error {
	form := productForm(c)
	p, err := s.shop.CreateProduct(c.UserContext(), s.actor(c), form)
	if err != nil {
		if status, key, ok := formOutcome(err); ok {
			return s.renderProducts(c, status, form, key)
		}
		return err
	}
	s.flash(c, "success", "flash.product_created")
	return c.Redirect("/admin/products#product-"+strconv.FormatInt(p.ID, 10), fiber.StatusSeeOther)
}

func (s *Server) adminProductEdit(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, err := s.store.ProductByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	return s.renderProductEdit(c, fiber.StatusOK, id, p.Sold, shop.FormOf(p), "")
}

func (s *Server) renderProductEdit(c *fiber.Ctx, status int, id, sold int64, form shop.ProductForm, errKey string) error {
	data := fiber.Map{"Nav": "admin_products", "ProductID": id, "Sold": sold, "Form": form,
		"Action": "/admin/products/" + strconv.FormatInt(id, 10)}
	if errKey != "" {
		data["Error"] = tr(c, errKey)
	}
	return s.page(c, status, "admin/product_edit", tr(c, "product.edit_title", form.Name), data)
}

// adminProductUpdate: POST /admin/products/:id.
func (s *Server) adminProductUpdate(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	before, err := s.store.ProductByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	form := productForm(c)
	if _, err := s.shop.UpdateProduct(c.UserContext(), s.actor(c), id, form); err != nil {
		if status, key, ok := formOutcome(err); ok {
			return s.renderProductEdit(c, status, id, before.Sold, form, key)
		}
		return err
	}
	s.flash(c, "success", "flash.product_saved")
	return c.Redirect("/admin/products#product-"+strconv.FormatInt(id, 10), fiber.StatusSeeOther)
}

// adminProductActive: POST /admin/products/:id/active (field `active` = 1 | 0). There
// is no delete: a sold product stays for its services and invoices.
func (s *Server) adminProductActive(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var active bool
	switch c.FormValue("active") {
	case "1":
		active = true
	case "0":
	default:
		return fiber.NewError(fiber.StatusUnprocessableEntity, tr(c, "product.err_active"))
	}
	if err := s.shop.SetProductActive(c.UserContext(), s.actor(c), id, active); err != nil {
		return err
	}
	if active {
		s.flash(c, "success", "flash.product_activated")
	} else {
		s.flash(c, "success", "flash.product_deactivated")
	}
	return c.Redirect("/admin/products#product-"+strconv.FormatInt(id, 10), fiber.StatusSeeOther)
}

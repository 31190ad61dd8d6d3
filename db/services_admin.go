package db

import (
	"context"
	"strings"
)

// ServiceFilter selects services for the admin's list of every customer's services.
// The zero value matches every service.
type ServiceFilter struct {
	Status    string // one of the Service* statuses, or "" for all
	ProductID int64  // 0 for all products
	Email     string // part of the customer's email, literal text (any case); "" for all
}

// ValidServiceStatus reports whether s is one of the service statuses.
func ValidServiceStatus(s string) bool {
	switch s {
	case ServiceActive, ServiceSuspended, ServiceCancelled, ServiceExpired:
		return true
	}
	return false
}

// ServiceRow is a service with its customer's email and its product's current name.
type ServiceRow struct {
	Service
	UserEmail   string `db:"user_email"`
	ProductName string `db:"product_name"`
}

// FindServices lists every customer's services matching f, newest first, with the
// number of matches. %, _ and \ in the email text are literal.
func (c *conn) FindServices(ctx context.Context, f ServiceFilter, limit, offset int) ([]ServiceRow, int64, error) {
	if strings.ContainsRune(f.Email, 0) {
		return nil, 0, nil // no stored email holds a NUL byte (PostgreSQL refuses to compare one)
	}
	var conds []string
	var args []any
	if f.Status != "" {
		conds = append(conds, "s.status = ?")
		args = append(args, f.Status)
	}
	if f.ProductID != 0 {
		conds = append(conds, "s.product_id = ?")
		args = append(args, f.ProductID)
	}
	if f.Email != "" {
		conds = append(conds, `u.email LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscaper.Replace(strings.ToLower(f.Email))+"%")
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	var total int64
	if err := c.get(ctx, &total, `SELECT COUNT(*) FROM services s JOIN users u ON u.id = s.user_id`+where, args...); err != nil {
		return nil, 0, err
	}
	if total == 0 || int64(offset) >= total {
		return nil, total, nil
	}
	var out []ServiceRow
	// serviceSelect's columns (the same Service as everywhere: stopped renewal, product
	// on sale) plus the customer's email and the product's name.
	err := c.sel(ctx, &out, `SELECT `+serviceCols+`, u.email AS user_email, p.name AS product_name`+serviceFrom+`
		JOIN users u ON u.id = s.user_id`+where+` ORDER BY s.id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	return out, total, err
}

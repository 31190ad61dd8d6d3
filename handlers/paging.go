package handlers

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// Pager is the page position of a list (`page=N`, 1-based).
type Pager struct {
	Page    int
	PerPage int
	Total   int64
	Query   url.Values // the list's other parameters, kept in page links
	Path    string
}

// pager reads ?page= (bad values → 1).
func pager(c *fiber.Ctx, perPage int) *Pager {
	p, err := strconv.Atoi(c.Query("page"))
	if err != nil || p < 1 || p > 1_000_000 {
		p = 1
	}
	return &Pager{Page: p, PerPage: perPage, Path: c.Path(), Query: url.Values{}}
}

// Offset is the SQL OFFSET of the page.
func (p *Pager) Offset() int { return (p.Page - 1) * p.PerPage }

// Pages is the number of pages (at least 1).
func (p *Pager) Pages() int {
	n := int((p.Total + int64(p.PerPage) - 1) / int64(p.PerPage))
	if n < 1 {
		return 1
	}
	return n
}

func (p *Pager) HasPrev() bool { return p.Page > 1 }
func (p *Pager) HasNext() bool { return p.Page < p.Pages() }

// URL of page n with the list's other parameters.
func (p *Pager) URL(n int) string {
	q := url.Values{}
	for k, v := range p.Query {
		if len(v) > 0 && v[0] != "" {
			q[k] = v
		}
	}
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	if len(q) == 0 {
		return p.Path
	}
	return p.Path + "?" + q.Encode()
}

func (p *Pager) PrevURL() string { return p.URL(p.Page - 1) }
func (p *Pager) NextURL() string { return p.URL(p.Page + 1) }

// pathID reads a positive numeric :id (anything else is a 404, like a missing row).
func pathID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

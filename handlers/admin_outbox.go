package handlers

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"recharge/db"
	"recharge/mail"
	"recharge/notify"
)

// adminUserResetLink: POST /admin/users/{id}/reset-link — a password reset link to
// hand to a customer (no mail needed). Shown once on the page that answers; only its
// hash is kept.
func (s *Server) adminUserResetLink(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	link, err := s.accounts.CreateResetLink(c.UserContext(), s.actor(c), id)
	if errors.Is(err, db.ErrNotFound) {
		return notFound(c, "admin.user_not_found")
	}
	if err != nil {
		return err
	}
	return s.userPage(c, fiber.StatusOK, fiber.Map{"ResetLink": link})
}

// outboxRow is one message of the admin's outbox page: what it is, never its content
// (a reset mail carries a live link until it is sent).
type outboxRow struct {
	db.OutboxItem
	Template string
}

// adminOutbox: GET /admin/outbox?status= — the mail queue: pending, failed (with the
// last error) and sent messages.
func (s *Server) adminOutbox(c *fiber.Ctx) error {
	status := c.Query("status")
	switch status {
	case "", db.OutboxPending, db.OutboxSent, db.OutboxFailed:
	default:
		status = ""
	}
	ctx := c.UserContext()
	p := pager(c, 50)
	items, total, err := s.store.OutboxPage(ctx, status, p.PerPage, p.Offset())
	if err != nil {
		return err
	}
	p.Total = total
	if status != "" {
		p.Query = map[string][]string{"status": {status}}
	}
	counts, err := s.store.OutboxCounts(ctx)
	if err != nil {
		return err
	}
	rows := make([]outboxRow, len(items))
	for i := range items {
		rows[i] = outboxRow{OutboxItem: items[i], Template: mail.Describe(&items[i])}
		if items[i].Kind == db.OutboxWebhook {
			rows[i].Template, rows[i].Target = notify.EventOf(&items[i]), notify.RedactURL(items[i].Target)
		}
	}
	return s.page(c, fiber.StatusOK, "admin/outbox", tr(c, "outbox.title"), fiber.Map{
		"Nav": "admin_outbox", "Rows": rows, "Pager": p, "Status": status, "Counts": counts, "MailOn": s.mail.Enabled(),
	})
}

// adminOutboxRetry: POST /admin/outbox/{id}/retry — try a failed or waiting message
// again now.
func (s *Server) adminOutboxRetry(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.store.Tx(c.UserContext(), func(tx *db.Tx) error {
		if err := tx.RetryOutbox(c.UserContext(), id); err != nil {
			return err
		}
		return tx.Audit(c.UserContext(), s.actor(c), "outbox.retry", "outbox:"+strconv.FormatInt(id, 10), "")
	}); err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return notFound(c, "outbox.not_found")
		}
		return err
	}
	s.flash(c, "success", "flash.outbox_retried")
	return c.Redirect("/admin/outbox", fiber.StatusSeeOther)
}

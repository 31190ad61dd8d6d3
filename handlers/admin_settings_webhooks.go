package handlers

import (
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"recharge/db"
	"recharge/notify"
	"recharge/settings"
)

// webhookRow is one endpoint as the page shows it: never its secret, and a Discord
// URL without its token.
type webhookRow struct {
	ID      int64
	URL     string
	Events  []string
	Discord bool
	Created int64
}

// deliveryRow is one line of the delivery log (an outbox row of kind webhook).
type deliveryRow struct {
	db.OutboxItem
	Event string
	URL   string
}

// deliveryLogSize is how many deliveries the page lists.
const deliveryLogSize = 30

// adminWebhooks: GET /admin/settings/webhooks — the endpoints, the form to add one, the
// admin mail address and the delivery log (SPEC §8).
func (s *Server) adminWebhooks(c *fiber.Ctx) error {
	return s.renderWebhooks(c, fiber.StatusOK, fiber.Map{})
}

func (s *Server) renderWebhooks(c *fiber.Ctx, status int, data fiber.Map) error {
	kv, err := s.store.Settings(c.UserContext())
	if err != nil {
		return err
	}
	n, err := settings.ParseNotify(kv)
	if err != nil {
		s.log.Warn("stored webhooks unreadable", "err", err.Error())
	}
	rows := make([]webhookRow, 0, len(n.Webhooks))
	for _, w := range n.Webhooks {
		rows = append(rows, webhookRow{ID: w.ID, URL: notify.RedactURL(w.URL), Events: w.Events, Discord: isDiscordURL(w.URL), Created: w.Created})
	}
	items, err := s.store.OutboxOfKind(c.UserContext(), db.OutboxWebhook, deliveryLogSize)
	if err != nil {
		return err
	}
	log := make([]deliveryRow, len(items))
	for i := range items {
		log[i] = deliveryRow{OutboxItem: items[i], Event: notify.EventOf(&items[i]), URL: notify.RedactURL(items[i].Target)}
	}
	data["Nav"] = "admin_webhooks"
	data["Webhooks"] = rows
	data["Deliveries"] = log
	data["Events"] = notify.Events
	if _, typed := data["NotifyEmail"]; !typed { // a refused address stays as typed
		data["NotifyEmail"] = n.Email
	}
	data["MailOn"] = s.mail.Enabled()
	data["MaxWebhooks"] = notify.MaxWebhooks
	form, ok := data["Form"].(notify.Endpoint)
	if !ok {
		form = notify.Endpoint{Events: notify.Events}
	}
	checked := map[string]bool{}
	for _, e := range form.Events {
		checked[e] = true
	}
	data["Form"], data["Checked"] = form, checked
	return s.page(c, status, "admin/settings_webhooks", tr(c, "webhooks.title"), data)
}

// adminWebhookAdd: POST /admin/settings/webhooks (url, events, secret; an empty
// secret = generated). The page answers with the secret shown once.
func (s *Server) adminWebhookAdd(c *fiber.Ctx) error {
	form := notify.Endpoint{URL: c.FormValue("url"), Secret: c.FormValue("secret")}
	for _, v := range c.Request().PostArgs().PeekMulti("events") {
		form.Events = append(form.Events, string(v))
	}
	w, err := s.notifyAdmin.Add(c.UserContext(), s.actor(c), form)
	if err != nil {
		if status, key, ok := formOutcome(err); ok {
			form.Secret = "" // never echoed back
			return s.renderWebhooks(c, status, fiber.Map{"Form": form, "Error": tr(c, key)})
		}
		return err
	}
	data := fiber.Map{"Success": tr(c, "webhooks.added")}
	if form.Secret == "" {
		// Generated: shown this once so the admin can copy it. A typed one is never echoed.
		data["Created"], data["CreatedSecret"] = webhookRow{ID: w.ID, URL: notify.RedactURL(w.URL)}, w.Secret
	}
	return s.renderWebhooks(c, fiber.StatusOK, data)
}

// adminWebhookRemove: POST /admin/settings/webhooks/{id}/delete.
func (s *Server) adminWebhookRemove(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.notifyAdmin.Remove(c.UserContext(), s.actor(c), id); err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return notFound(c, "webhooks.not_found")
		}
		return err
	}
	s.flash(c, "success", "flash.webhook_removed")
	return c.Redirect("/admin/settings/webhooks", fiber.StatusSeeOther)
}

// adminWebhookTest: POST /admin/settings/webhooks/{id}/test — queue a test delivery.
func (s *Server) adminWebhookTest(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.notifyAdmin.Test(c.UserContext(), s.actor(c), id, s.siteSettings(c).Site.Name); err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return notFound(c, "webhooks.not_found")
		}
		return err
	}
	s.flash(c, "success", "flash.webhook_test_queued")
	return c.Redirect("/admin/settings/webhooks", fiber.StatusSeeOther)
}

// adminWebhookEmail: POST /admin/settings/webhooks/email — where the admin mails go.
func (s *Server) adminWebhookEmail(c *fiber.Ctx) error {
	email := c.FormValue("notify_email")
	if err := s.notifyAdmin.SetEmail(c.UserContext(), s.actor(c), email); err != nil {
		if status, key, ok := formOutcome(err); ok {
			return s.renderWebhooks(c, status, fiber.Map{"EmailError": tr(c, key), "NotifyEmail": email})
		}
		return err
	}
	s.flash(c, "success", "flash.notify_email_saved")
	return c.Redirect("/admin/settings/webhooks", fiber.StatusSeeOther)
}

func isDiscordURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && notify.IsDiscord(u)
}

package jobs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"recharge/db"
	"recharge/mail"
	"recharge/metrics"
)

// Outbox delivers the outbox's messages: every instance runs one; a row is claimed
// with a lease, so each message is tried by one instance at a time. A message is
// marked sent right after the server accepted it; a crash between the two leaves the
// lease to expire and the message is sent again with the same Message-ID.
type Outbox struct {
	Store *db.Store
	Mail  *mail.Mailer
	// Webhooks delivers the webhook rows (notify.Sender); nil = they wait.
	Webhooks Deliverer
	Log      *slog.Logger
	// Brand reads the site name, currency and time zone mails are sent with
	// (settings; main and apptest pass handlers' MailBrand); nil = "Recharge", the
	// currency each mail names, and UTC.
	Brand func(ctx context.Context) mail.Brand

	// Interval between looks at the queue (default 2 s).
	Interval time.Duration
	// RetryBase is the wait after a first failure; it doubles on each one, up to
	// RetryMax (defaults 30 s and 1 h). MaxAttempts failed attempts give up (default
	// 15, about ten hours): the admin can still retry from the outbox page.
	RetryBase, RetryMax time.Duration
	MaxAttempts         int64
	// Lease is how long a claimed row is another instance's (default 2 min): longer
	// than one delivery may take.
	Lease time.Duration
}

// Deliverer sends one outbox row of its kind. An error with a Permanent() true
// method gives up at once (retrying cannot help).
type Deliverer interface {
	Send(ctx context.Context, it *db.OutboxItem) error
}

func (o *Outbox) defaults() {
	if o.Interval == 0 {
		o.Interval = 2 * time.Second
	}
	if o.RetryBase == 0 {
		o.RetryBase = 30 * time.Second
	}
	if o.RetryMax == 0 {
		o.RetryMax = time.Hour
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 15
	}
	if o.Lease == 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
}

// Start delivers until ctx ends; the channel closes when the worker has stopped (the
// verdict of a delivery in progress written), so the store can close after it.
func (o *Outbox) Start(ctx context.Context) <-chan struct{} {
	o.defaults()
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(o.Interval)
		defer t.Stop()
		for {
			for o.RunOnce(ctx) > 0 && ctx.Err() == nil {
				// a full batch: look again at once
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return done
}

// batch is how many messages one look claims.
const batch = 20

// RunOnce claims the messages due now and tries each once; it returns how many it
// claimed.
func (o *Outbox) RunOnce(ctx context.Context) int {
	o.defaults()
	now := db.Now()
	items, err := o.Store.ClaimOutbox(ctx, now, int64(o.Lease/time.Second), batch)
	if err != nil {
		if ctx.Err() == nil {
			o.Log.Warn("outbox claim", "err", err.Error())
		}
		return 0
	}
	var brand mail.Brand
	if o.Brand != nil && len(items) > 0 {
		brand = o.Brand(ctx)
	}
	for i := range items {
		o.deliver(ctx, &items[i], brand)
	}
	return len(items)
}

func (o *Outbox) deliver(ctx context.Context, it *db.OutboxItem, brand mail.Brand) {
	sctx, cancel := context.WithTimeout(ctx, o.Lease/2)
	defer cancel()
	var err error
	switch it.Kind {
	case db.OutboxMail:
		err = o.Mail.Send(sctx, it, brand)
	case db.OutboxWebhook:
		if o.Webhooks == nil {
			err = errors.New("no webhook deliverer")
		} else {
			err = o.Webhooks.Send(sctx, it)
		}
	default:
		err = errors.New("no deliverer for kind " + it.Kind)
	}
	// The verdict is written even when ctx ends (shutdown): a mail the server took
	// must be marked sent now, not repeated after the restart.
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer wcancel()
	if err == nil {
		metrics.OutboxDelivery(it.Kind, "sent")
		if err := o.Store.MarkOutboxSent(wctx, it.ID, mail.Scrubbed(it)); err != nil {
			o.Log.Error("outbox mark sent", "id", it.ID, "err", err.Error())
		}
		return
	}
	var perm interface{ Permanent() bool }
	final := it.Attempts >= o.MaxAttempts || errors.As(err, &perm) && perm.Permanent()
	if final {
		metrics.OutboxDelivery(it.Kind, "failed")
	} else {
		metrics.OutboxDelivery(it.Kind, "retry")
	}
	next := db.Now() + int64(o.backoff(it.Attempts)/time.Second)
	o.Log.Warn("outbox delivery failed", "id", it.ID, "kind", it.Kind, "attempt", it.Attempts, "final", final, "err", err.Error())
	if err := o.Store.MarkOutboxRetry(wctx, it.ID, truncate(err.Error(), 500), next, final); err != nil {
		o.Log.Error("outbox mark retry", "id", it.ID, "err", err.Error())
	}
}

// backoff is the wait after the given number of failed attempts.
func (o *Outbox) backoff(attempts int64) time.Duration {
	d := o.RetryBase
	for i := int64(1); i < attempts && d < o.RetryMax; i++ {
		d *= 2
	}
	if d > o.RetryMax {
		d = o.RetryMax
	}
	if d < time.Second {
		d = time.Second
	}
	return d
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

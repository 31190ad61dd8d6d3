package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"recharge/apptest/smtpsink"
	"recharge/db"
	"recharge/db/dbtest"
	"recharge/mail"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// An SMTP outage delays mail, never loses it: failed attempts are recorded and retried
// with backoff, and once the server is back every mail is delivered exactly once.
func TestOutboxSurvivesAnOutage(t *testing.T) {
	ctx := context.Background()
	store := dbtest.Open(t)
	sink := smtpsink.Start(t, smtpsink.Options{})
	m := mail.New(mail.Config{Addr: sink.Addr, TLS: mail.TLSNone}, "http://portal.test")
	o := &Outbox{Store: store, Mail: m, Log: quietLog(), RetryBase: 2 * time.Second}
	sink.Stop()
	for i := 0; i < 5; i++ {
		if _, err := m.Queue(ctx, store, mail.Message{To: fmt.Sprintf("u%d@example.com", i), Lang: "en", Template: "topup", ID: fmt.Sprintf("topup-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	// The same event queues one mail.
	if queued, err := m.Queue(ctx, store, mail.Message{To: "u0@example.com", Lang: "en", Template: "topup", ID: "topup-0"}); err != nil || queued {
		t.Fatalf("a second mail for one event: %v %v", queued, err)
	}
	if n := o.RunOnce(ctx); n != 5 {
		t.Fatalf("claimed %d", n)
	}
	it, _ := store.OutboxByID(ctx, 1)
	if it.Status != db.OutboxPending || it.Attempts != 1 || it.LastError == "" || it.NextAttemptAt <= db.Now() {
		t.Fatalf("after a failed attempt: %+v", it)
	}
	if n := o.RunOnce(ctx); n != 0 {
		t.Fatalf("retried before its backoff: %d", n)
	}
	sink.Restart()
	deadline := time.Now().Add(10 * time.Second)
	for len(sink.Mails()) < 5 && time.Now().Before(deadline) {
		o.RunOnce(ctx)
		time.Sleep(200 * time.Millisecond)
	}
	o.RunOnce(ctx)
	got := sink.Mails()
	seen := map[string]int{}
	for _, m := range got {
		seen[m.MessageID]++
	}
	if len(got) != 5 || len(seen) != 5 {
		t.Fatalf("delivered %d mails, %d distinct: %v", len(got), len(seen), seen)
	}
	counts, _ := store.OutboxCounts(ctx)
	if counts[db.OutboxSent] != 5 || counts[db.OutboxPending] != 0 {
		t.Fatalf("counts %v", counts)
	}
}

// A worker that dies after the server took a mail but before marking it sent leaves a
// lease; once it expires the mail goes again, with the same Message-ID. A row under
// lease is not claimed by a second worker.
func TestOutboxLeaseAndRepeatWithSameMessageID(t *testing.T) {
	ctx := context.Background()
	store := dbtest.Open(t)
	sink := smtpsink.Start(t, smtpsink.Options{})
	m := mail.New(mail.Config{Addr: sink.Addr, TLS: mail.TLSNone}, "http://portal.test")
	if _, err := m.Queue(ctx, store, mail.Message{To: "a@example.com", Lang: "fr", Template: "topup", ID: "topup-7"}); err != nil {
		t.Fatal(err)
	}
	// "Crash": claimed and sent, never marked.
	items, err := store.ClaimOutbox(ctx, db.Now(), 60, 10)
	if err != nil || len(items) != 1 {
		t.Fatalf("claim: %v %v", items, err)
	}
	if err := m.Send(ctx, &items[0], mail.Brand{Site: "S"}); err != nil {
		t.Fatal(err)
	}
	if again, _ := store.ClaimOutbox(ctx, db.Now(), 60, 10); len(again) != 0 {
		t.Fatal("a leased row was claimed twice")
	}
	dbtest.SetNow(t, db.Now()+61)
	o := &Outbox{Store: store, Mail: m, Log: quietLog()}
	if n := o.RunOnce(ctx); n != 1 {
		t.Fatalf("the expired lease was not retried: %d", n)
	}
	got := sink.Wait(2, 5*time.Second)
	if got[0].MessageID != got[1].MessageID || got[0].MessageID != "<topup-7@portal.test>" {
		t.Fatalf("message ids %q %q", got[0].MessageID, got[1].MessageID)
	}
	if n := o.RunOnce(ctx); n != 0 || len(sink.Mails()) != 2 {
		t.Fatal("sent a third time")
	}
}

// Parallel workers (instances) deliver each mail once.
func TestOutboxWorkersShareTheQueue(t *testing.T) {
	ctx := context.Background()
	f := dbtest.New(t)
	store := f.Store
	sink := smtpsink.Start(t, smtpsink.Options{})
	m := mail.New(mail.Config{Addr: sink.Addr, TLS: mail.TLSNone}, "http://portal.test")
	for i := 0; i < 60; i++ {
		if _, err := m.Queue(ctx, store, mail.Message{To: "a@example.com", Lang: "en", Template: "topup", ID: fmt.Sprint("t", i)}); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	for w := 0; w < 3; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			instance, err := db.Open(f.DSN)
			if err != nil {
				t.Error(err)
				return
			}
			defer instance.Close()
			o := &Outbox{Store: instance, Mail: m, Log: quietLog()}
			for o.RunOnce(ctx) > 0 {
			}
		}()
	}
	for w := 0; w < 3; w++ {
		<-done
	}
	seen := map[string]int{}
	for _, m := range sink.Mails() {
		seen[m.MessageID]++
	}
	if len(seen) != 60 || len(sink.Mails()) != 60 {
		t.Fatalf("%d mails, %d distinct", len(sink.Mails()), len(seen))
	}
}

func TestBackoffDoublesUpToTheMax(t *testing.T) {
	o := &Outbox{RetryBase: 30 * time.Second, RetryMax: time.Hour}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute}
	for i, w := range want {
		if got := o.backoff(int64(i + 1)); got != w {
			t.Errorf("attempt %d: %s, want %s", i+1, got, w)
		}
	}
	if got := o.backoff(40); got != time.Hour {
		t.Errorf("capped: %s", got)
	}
}

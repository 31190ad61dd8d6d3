package billing_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"recharge/billing"
)

// The refused-code limit is reserved before Dedipass is asked: 40 parallel codes
// against a slow provider send at most MaxRefusedCodes of them.
func TestParallelCodesAgainstASlowProvider(t *testing.T) {
	f := setup(t)
	var asked atomic.Int64
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		time.Sleep(100 * time.Millisecond)
		f.sb.ServeHTTP(w, r)
	}))
	t.Cleanup(slow.Close)
	d := billing.NewDedipass(f.store, slow.URL, slog.New(slog.NewTextHandler(io.Discard, nil)))
	d.Live.Timeout = 2 * time.Second
	cfg := f.cfg()
	var wg sync.WaitGroup
	var limited atomic.Int64
	for i := range 40 {
		wg.Go(func() {
			r, err := d.Redeem(context.Background(), cfg, f.alice, fmt.Sprintf("WRONG%02d", i))
			if err != nil {
				t.Error(err)
			}
			if r.Reason == billing.ReasonTooManyAttempts {
				limited.Add(1)
			}
		})
	}
	wg.Wait()
	if n := asked.Load(); n > billing.MaxRefusedCodes || limited.Load() != 40-n {
		t.Fatalf("40 parallel codes: %d sent to Dedipass, %d limited; at most %d may be sent", n, limited.Load(), billing.MaxRefusedCodes)
	}
	t.Logf("sent %d, limited %d", asked.Load(), limited.Load())
}

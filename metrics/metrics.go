// Package metrics owns the portal's Prometheus metrics (github.com/prometheus/client_golang):
// every metric is defined here, on one registry, and the domain packages (billing, db,
// jobs) report through the small functions below, so none of them imports the
// Prometheus client nor knows about HTTP. handlers serves the registry at GET /metrics
// when --metrics-token is set. Label values are bounded sets (outcome words, route
// patterns, statuses), never user input.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var registry = prometheus.NewRegistry()

var (
	callbacks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "recharge_dedipass_callbacks_total",
		Help: "Dedipass callbacks (POST /api/dedipass) by outcome.",
	}, []string{"outcome"})
	codes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "recharge_dedipass_codes_total",
		Help: "Codes typed in the payment form by outcome.",
	}, []string{"outcome"})
	providerLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "recharge_dedipass_request_duration_seconds",
		Help:    "Latency of requests to the Dedipass API (or the built-in sandbox) by operation and result.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"op", "result"})
	creditedCents = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "recharge_credited_cents_total",
		Help: "Cents credited to wallets by Dedipass payments (form, callback, admin assignment).",
	})
	settleBatch = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "recharge_settlement_batch_size",
		Help:    "Payments written per settlement transaction (SQLite group commit; always 1 on PostgreSQL).",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64},
	})
	outboxDeliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "recharge_outbox_deliveries_total",
		Help: "Outbox delivery attempts by kind (mail, webhook) and result (sent, retry, failed).",
	}, []string{"kind", "result"})
	httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "recharge_http_requests_total",
		Help: "HTTP requests by method, route pattern and status.",
	}, []string{"method", "route", "status"})
)

// backlogFunc reads the outbox counts by status at scrape time (set by SetBacklog).
var backlogFunc atomic.Pointer[func(ctx context.Context) (map[string]int64, error)]

// backlog is a collector that reads the outbox at scrape time: the number is the
// database's, whichever instance is scraped.
type backlog struct{ desc *prometheus.Desc }

func (b backlog) Describe(ch chan<- *prometheus.Desc) { ch <- b.desc }

func (b backlog) Collect(ch chan<- prometheus.Metric) {
	f := backlogFunc.Load()
	if f == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := (*f)(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(b.desc, err)
		return
	}
	for _, status := range []string{"pending", "failed"} {
		ch <- prometheus.MustNewConstMetric(b.desc, prometheus.GaugeValue, float64(counts[status]), status)
	}
}

func init() {
	registry.MustRegister(callbacks, codes, providerLatency, creditedCents, settleBatch, outboxDeliveries, httpRequests,
		backlog{prometheus.NewDesc("recharge_outbox_backlog", "Outbox messages not delivered yet, by status (read at scrape time).", []string{"status"}, nil)},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}

// Callback counts one Dedipass callback by its outcome word.
func Callback(outcome string) { callbacks.WithLabelValues(outcome).Inc() }

// Code counts one code typed in the payment form by its outcome word.
func Code(outcome string) { codes.WithLabelValues(outcome).Inc() }

// ProviderRequest observes one request to Dedipass (op: validate, rates; ok: it answered usably).
func ProviderRequest(op string, d time.Duration, ok bool) {
	result := "ok"
	if !ok {
		result = "error"
	}
	providerLatency.WithLabelValues(op, result).Observe(d.Seconds())
}

// Credited adds the cents a payment credited.
func Credited(cents int64) {
	if cents > 0 {
		creditedCents.Add(float64(cents))
	}
}

// SettleBatch observes the size of one settlement transaction.
func SettleBatch(n int) { settleBatch.Observe(float64(n)) }

// OutboxDelivery counts one delivery attempt of the outbox.
func OutboxDelivery(kind, result string) { outboxDeliveries.WithLabelValues(kind, result).Inc() }

// HTTPRequest counts one answered request; route is the matched route pattern.
func HTTPRequest(method, route string, status int) {
	httpRequests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
}

// SetBacklog sets how the outbox backlog is read at scrape time.
func SetBacklog(f func(ctx context.Context) (map[string]int64, error)) { backlogFunc.Store(&f) }

// Handler serves the registry in the Prometheus text format.
func Handler() http.Handler {
	return promhttp.HandlerFor(registry, promhttp.HandlerOpts{DisableCompression: true}) // the server's compress middleware does it
}

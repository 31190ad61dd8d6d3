package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// What one crediting callback adds: its outcome, the credited cents and the batch
// size (the cost of metrics on the callback path, against ~1 ms of fsync).
func BenchmarkCallbackMetrics(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Callback("credited")
		Credited(250)
		SettleBatch(1)
		HTTPRequest("POST", "/api/dedipass", 200)
	}
}

func TestHandlerExposesMetrics(t *testing.T) {
	Callback("credited")
	ProviderRequest("validate", 30*time.Millisecond, true)
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(w.Body)
	for _, name := range []string{`recharge_dedipass_callbacks_total{outcome="credited"}`, `recharge_dedipass_request_duration_seconds_bucket{op="validate",result="ok",le="0.05"} 1`, "go_goroutines"} {
		if !strings.Contains(string(body), name) {
			t.Errorf("missing %s", name)
		}
	}
}

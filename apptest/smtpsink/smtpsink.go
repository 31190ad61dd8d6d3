// Package smtpsink is a real SMTP server on loopback for tests (github.com/emersion/go-smtp):
// it accepts every mail, keeps it parsed in memory, can require STARTTLS or
// authentication, and can be stopped and started again on the same address to play an
// outage.
package smtpsink

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one message the sink accepted.
type Mail struct {
	From      string
	To        []string
	MessageID string
	Subject   string
	Text      string // the text/plain part
	HTML      string // the text/html part
	// Attachments are the parts sent as attachments, decoded.
	Attachments []Attachment
	Raw         []byte
}

// Attachment is one attached file.
type Attachment struct {
	Name, ContentType string
	Data              []byte
}

// Sink is the server.
type Sink struct {
	Addr string
	// TLS is a client configuration that trusts the sink's certificate (STARTTLS).
	TLS *tls.Config

	t        testing.TB
	user     string
	password string
	startTLS bool
	delay    time.Duration
	cert     tls.Certificate

	mu     sync.Mutex
	mails  []Mail
	server *smtp.Server
	ln     net.Listener
	notify chan struct{}
}

// Options of a sink.
type Options struct {
	StartTLS bool // offer STARTTLS (a client with policy "starttls" then encrypts)
	// Delay is how long the server takes over each message before accepting it (a
	// slow server widens the window in which a sender can die mid-delivery).
	Delay    time.Duration
	User     string // require AUTH PLAIN with this user and Password
	Password string
}

// Start runs a sink on a free loopback port until the test ends.
func Start(t testing.TB, o Options) *Sink {
	t.Helper()
	s := &Sink{t: t, user: o.User, password: o.Password, startTLS: o.StartTLS, delay: o.Delay, notify: make(chan struct{}, 1)}
	if o.StartTLS {
		s.cert, s.TLS = selfSigned(t)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

func (s *Sink) serve(ln net.Listener) {
	srv := smtp.NewServer(backend{s})
	srv.Domain = "sink.test"
	srv.ErrorLog = log.New(io.Discard, "", 0) // a client hanging up mid-session is what some tests do
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.AllowInsecureAuth = !s.startTLS
	if s.startTLS {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{s.cert}}
	}
	s.mu.Lock()
	s.server, s.ln = srv, ln
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Stop closes the server: connections are refused until Restart.
func (s *Sink) Stop() {
	s.mu.Lock()
	srv, ln := s.server, s.ln
	s.server, s.ln = nil, nil
	s.mu.Unlock()
	if ln != nil {
		_ = ln.Close() // Serve may not have taken it yet
	}
	if srv != nil {
		_ = srv.Close()
	}
}

// Restart listens again on the same address.
func (s *Sink) Restart() {
	s.t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may take a moment to be free again
		if ln, err = net.Listen("tcp", s.Addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("smtpsink restart: %v", err)
	}
	s.serve(ln)
}

// Mails returns a copy of every mail accepted so far.
func (s *Sink) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// Wait returns once n mails have arrived (or fails the test after timeout).
func (s *Sink) Wait(n int, timeout time.Duration) []Mail {
	s.t.Helper()
	deadline := time.After(timeout)
	for {
		if m := s.Mails(); len(m) >= n {
			return m
		}
		select {
		case <-s.notify:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			s.t.Fatalf("smtpsink: %d mails after %s, want %d", len(s.Mails()), timeout, n)
		}
	}
}

// To returns the mails sent to addr.
func (s *Sink) To(addr string) []Mail {
	var out []Mail
	for _, m := range s.Mails() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
			}
		}
	}
	return out
}

var linkRe = regexp.MustCompile(`https?://[^\s<>"]+`)

// Link returns the first URL of the mail's text part containing substr.
func (m Mail) Link(substr string) string {
	for _, u := range linkRe.FindAllString(m.Text, -1) {
		if strings.Contains(u, substr) {
			return u
		}
	}
	return ""
}

type backend struct{ s *Sink }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s      *Sink
	authed bool
	from   string
	to     []string
}

func (se *session) AuthMechanisms() []string {
	if se.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != se.s.user || password != se.s.password {
			return errors.New("invalid credentials")
		}
		se.authed = true
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.user != "" && !se.authed {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	time.Sleep(se.s.delay)
	m := parse(raw)
	m.From, m.To = se.from, se.to
	se.s.mu.Lock()
	se.s.mails = append(se.s.mails, m)
	se.s.mu.Unlock()
	select {
	case se.s.notify <- struct{}{}:
	default:
	}
	return nil
}

func (se *session) Reset()        { se.from, se.to = "", nil }
func (se *session) Logout() error { return nil }

// parse reads the headers and the text and HTML parts of a mail.
func parse(raw []byte) Mail {
	m := Mail{Raw: raw}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return m
	}
	dec := new(mime.WordDecoder)
	m.MessageID = msg.Header.Get("Message-Id")
	if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
		m.Subject = subj
	}
	walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", msg.Body, &m)
	return m
}

func walk(ctype, encoding, disposition string, body io.Reader, m *Mail) {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"), p, m)
		}
	}
	if d, dp, err := mime.ParseMediaType(disposition); err == nil && d == "attachment" {
		m.Attachments = append(m.Attachments, Attachment{Name: dp["filename"], ContentType: mt, Data: decodeBytes(encoding, body)})
		return
	}
	text := decode(encoding, body)
	switch mt {
	case "text/plain":
		m.Text = text
	case "text/html":
		m.HTML = text
	}
}

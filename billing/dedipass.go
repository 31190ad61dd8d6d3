// Package billing owns the Dedipass money rules that need more than one query: redeeming
// a code (payment form and callback), the Dedipass settings and the sandbox codes.
// Handlers call one function here and render its result; SQL stays in package db and
// the provider protocol in package dedipass. Dedipass is never called inside a
// database transaction.
package billing

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"recharge/db"
	"recharge/dedipass"
	"recharge/dedipass/sandbox"
	"recharge/mail"
	"recharge/metrics"
	"recharge/money"
	"recharge/notify"
	"recharge/settings"
)

// Placeholder keys used with the built-in sandbox when none are configured.
const (
	sandboxPublic  = "sandbox-public-key"
	sandboxPrivate = "sandbox-private-key"
)

// Limits of the payment form (SPEC §5.3).
const (
	MaxRefusedCodes = 10
	RefusedWindow   = 15 * time.Minute
)

// accept sets what a code Dedipass accepted does (form and callback alike): a test
// code is only recorded unless credit_test_codes is on (and then one worth nothing is
// still only a test), any other code credits cfg.CreditFor(vc). The error is an
// overflow of the credit.
func accept(cfg settings.Dedipass, p *db.Payment, vc money.Micros) error {
	if p.Test && !cfg.CreditTestCodes {
		p.Status, p.Reason = db.StatusTest, "test code (not credited: setting credit_test_codes is off)"
		return nil
	}
	if p.Test && vc == 0 {
		p.Status, p.Reason = db.StatusTest, "test code worth nothing (virtual_currency 0 or absent)"
		return nil
	}
	credit, err := cfg.CreditFor(vc)
	if err != nil {
		return err
	}
	if cfg.MaxCreditCents > 0 && credit > cfg.MaxCreditCents {
		p.Status, p.Reason = db.StatusPending, fmt.Sprintf("credit %s above max_credit_cents (%s): assign or refuse it", credit.Decimal(), cfg.MaxCreditCents.Decimal())
		return nil
	}
	p.Status, p.CreditCents = db.StatusCredited, int64(credit)
	return nil
}

// holdIfSuspended keeps a credit away from a suspended account's wallet (SPEC §8): the
// payment is recorded pending, with a reason the admin reads on the payment page, for
// them to assign (credit it after all) or refuse once they have decided about the
// account. Called once the customer is known and accept has judged the code.
func holdIfSuspended(p *db.Payment, u *db.User) {
	if p.Status == db.StatusCredited && u.Suspended() {
		p.Status, p.Reason = db.StatusPending, fmt.Sprintf("customer account suspended (user %d, %s): not credited; assign it to credit the wallet anyway, or refuse it", u.ID, u.Email)
	}
}

// Dedipass redeems codes. Live talks to the real API; Sandbox is the built-in
// imitation used when the admin turns sandbox mode on (reached in-process).
type Dedipass struct {
	Store   *db.Store
	Live    *dedipass.Client
	Sandbox *sandbox.Server
	sbx     *dedipass.Client
	Log     *slog.Logger
	// Mail queues the receipt of a credit (nothing without SMTP).
	Mail *mail.Mailer
	// Notify queues the webhooks of credited and pending payments and the admin mail
	// of a pending one (nil: none).
	Notify *notify.Hooks
}

// NewDedipass wires the live client for apiBase and the built-in sandbox.
func NewDedipass(store *db.Store, apiBase string, log *slog.Logger) *Dedipass {
	sb := sandbox.New(sandbox.Options{Codes: sandboxCodes{store}})
	sc := dedipass.NewInProcess("http://sandbox.recharge.internal", sb)
	if log == nil {
		log = slog.Default()
	}
	return &Dedipass{Store: store, Live: dedipass.New(apiBase), Sandbox: sb, sbx: sc, Log: log}
}

// ErrSettings is a settings form error; Field names the bad field.
type ErrSettings struct{ Field string }

func (e *ErrSettings) Error() string { return "invalid setting " + e.Field }

// SaveConfig validates and stores the settings form; an empty private key keeps the
// stored one (it is write-only). The audit entry never contains a key.
func (d *Dedipass) SaveConfig(ctx context.Context, actor db.Actor, form url.Values) error {
	pub := strings.TrimSpace(form.Get("public_key"))
	priv := strings.TrimSpace(form.Get("private_key"))
	if len(pub) > 200 || strings.ContainsAny(pub, " \t\r\n") {
		return &ErrSettings{Field: "public_key"}
	}
	if len(priv) > 200 || strings.ContainsAny(priv, " \t\r\n") {
		return &ErrSettings{Field: "private_key"}
	}
	unitStr := strings.TrimSpace(form.Get("unit_cents"))
	if unitStr == "" {
		unitStr = "100"
	}
	unit, err := strconv.ParseInt(unitStr, 10, 64)
	if err != nil || unit < 1 || unit > 1_000_000 {
		return &ErrSettings{Field: "unit_cents"}
	}
	maxStr := strings.TrimSpace(form.Get("max_credit_cents"))
	if maxStr == "" {
		maxStr = strconv.FormatInt(int64(settings.DefaultMaxCredit), 10)
	}
	maxCredit, err := strconv.ParseInt(maxStr, 10, 64)
	if err != nil || maxCredit < 1 || maxCredit > 1_000_000_000 {
		return &ErrSettings{Field: "max_credit_cents"}
	}
	flag := func(name string) (string, error) {
		switch v := form.Get(name); v {
		case "1", "on", "true":
			return "1", nil
		case "", "0", "off", "false":
			return "0", nil
		}
		return "", &ErrSettings{Field: name}
	}
	tests, err := flag("credit_test_codes")
	if err != nil {
		return err
	}
	sbx, err := flag("sandbox")
	if err != nil {
		return err
	}
	widget, err := flag("widget")
	if err != nil {
		return err
	}
	cfg := settings.Dedipass{PublicKey: pub, PrivateKey: priv, UnitCents: money.Cents(unit), CreditTestCodes: tests == "1", Sandbox: sbx == "1",
		MaxCreditCents: money.Cents(maxCredit), Widget: widget == "1"}
	changedKey := "no"
	if priv != "" {
		changedKey = "yes"
	}
	details := fmt.Sprintf("public_key set=%t, private_key changed=%s, unit_cents=%d, credit_test_codes=%s, sandbox=%s, max_credit_cents=%d, widget=%s",
		pub != "", changedKey, unit, tests, sbx, maxCredit, widget)
	err = d.Store.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.SetSettings(ctx, cfg.Values()); err != nil {
			return err
		}
		return tx.Audit(ctx, actor, "settings.dedipass", "dedipass", details)
	})
	if err != nil {
		return err
	}
	d.Live.ForgetRates()
	d.sbx.ForgetRates()
	return nil
}

// client picks the sandbox or the live API, with the keys to use.
func (d *Dedipass) client(cfg settings.Dedipass) (c *dedipass.Client, pub, priv string) {
	if cfg.Sandbox {
		pub, priv = cfg.PublicKey, cfg.PrivateKey
		if pub == "" || priv == "" {
			pub, priv = sandboxPublic, sandboxPrivate
		}
		return d.sbx, pub, priv
	}
	return d.Live, cfg.PublicKey, cfg.PrivateKey
}

// Offers returns the rates to show on the payment page (cached by the client).
func (d *Dedipass) Offers(ctx context.Context, cfg settings.Dedipass) ([]dedipass.Offer, error) {
	c, pub, _ := d.client(cfg)
	if pub == "" {
		return nil, dedipass.ErrNotConfigured
	}
	return c.Rates(ctx, pub)
}

// Sandbox codes per admin per hour (SPEC §5.6), and how long one stays valid.
const (
	MaxSandboxCodes    = 30
	SandboxCodesWindow = time.Hour
	SandboxCodeTTL     = 24 * time.Hour
)

var (
	// ErrNotSandbox: a sandbox-only action while sandbox mode is off.
	ErrNotSandbox = errors.New("sandbox mode is off")
	// ErrTooManySandboxCodes: the user got MaxSandboxCodes in the last hour.
	ErrTooManySandboxCodes = errors.New("too many sandbox codes")
	// ErrSandboxAdminOnly: only admins get sandbox codes (nobody else can mint money).
	ErrSandboxAdminOnly = errors.New("sandbox codes are for admins")
	// ErrUnknownSandboxOffer: the picked offer is not one of the sandbox's.
	ErrUnknownSandboxOffer = errors.New("no sandbox offer with this rate")
)

// IssueSandboxCode hands an admin a fresh single-use code for the offer with that rate,
// as if they had paid it: it credits what the offer's row on the payment page says. At
// most MaxSandboxCodes per admin per hour (counted in the database); the code is kept in
// the database for SandboxCodeTTL, so every instance knows it, after a restart too.
func (d *Dedipass) IssueSandboxCode(ctx context.Context, cfg settings.Dedipass, user *db.User, rate string) (string, error) {
	if !user.IsAdmin() {
		return "", ErrSandboxAdminOnly
	}
	if !cfg.Sandbox {
		return "", ErrNotSandbox
	}
	since := db.Now() - int64(SandboxCodesWindow/time.Second)
	_, ok, err := d.Store.Reserve(ctx, db.BucketSandboxCode, strconv.FormatInt(user.ID, 10), since, MaxSandboxCodes)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", ErrTooManySandboxCodes
	}
	code, err := d.Sandbox.IssueForOffer(ctx, strings.TrimSpace(rate))
	if errors.Is(err, sandbox.ErrUnknownOffer) {
		return "", ErrUnknownSandboxOffer
	}
	return code, err
}

// sandboxCodes keeps the built-in sandbox's codes in the database (sandbox.CodeStore).
type sandboxCodes struct{ store *db.Store }

func (s sandboxCodes) Save(ctx context.Context, c sandbox.Code) error {
	now := db.Now()
	return s.store.SaveSandboxCode(ctx, db.SandboxCode{Code: c.Code, Rate: c.Rate, VirtualCurrency: c.VirtualCurrency,
		Payout: c.Payout, Identifier: c.Identifier, CreatedAt: now, ExpiresAt: now + int64(SandboxCodeTTL/time.Second)})
}

func (s sandboxCodes) Lookup(ctx context.Context, code string) (sandbox.Code, error) {
	sc, err := s.store.SandboxCodeByCode(ctx, code)
	if errors.Is(err, db.ErrNotFound) {
		return sandbox.Code{}, sandbox.ErrUnknownCode
	}
	if err != nil {
		return sandbox.Code{}, err
	}
	return sandboxCode(sc), nil
}

func (s sandboxCodes) Use(ctx context.Context, code string) (sandbox.Code, bool, error) {
	sc, used, err := s.store.UseSandboxCode(ctx, code)
	if errors.Is(err, db.ErrNotFound) {
		return sandbox.Code{}, false, sandbox.ErrUnknownCode
	}
	if err != nil {
		return sandbox.Code{}, false, err
	}
	return sandboxCode(sc), used, nil
}

func sandboxCode(sc *db.SandboxCode) sandbox.Code {
	return sandbox.Code{Code: sc.Code, Rate: sc.Rate, VirtualCurrency: sc.VirtualCurrency, Payout: sc.Payout, Identifier: sc.Identifier}
}

// Outcome is what became of a code typed in the payment form.
type Outcome int

const (
	OutcomeCredited  Outcome = iota + 1 // the wallet was credited
	OutcomeRefused                      // not a code, refused by Dedipass, or too many refusals
	OutcomeError                        // not judged or not creditable; may be tried again
	OutcomeDuplicate                    // already credited before
	OutcomeTest                         // a test code, recorded without credit
)

// String is the outcome's word (SPEC §9 data-status), also the attempt's word.
func (o Outcome) String() string {
	switch o {
	case OutcomeCredited:
		return "credited"
	case OutcomeRefused:
		return "refused"
	case OutcomeError:
		return "error"
	case OutcomeDuplicate:
		return "duplicate"
	case OutcomeTest:
		return "test"
	}
	return "unknown"
}

// Reason tells apart what the customer must be told for one outcome.
type Reason int

const (
	ReasonNone            Reason = iota // credited, test
	ReasonBadFormat                     // refused: not 1 to 64 letters and digits
	ReasonTooManyAttempts               // refused: the limit of refused codes is reached
	ReasonRefused                       // refused by Dedipass
	ReasonNotConfigured                 // error: the keys are not set
	ReasonUnavailable                   // error: Dedipass did not answer usably
	ReasonTimeout                       // error: Dedipass did not answer in time
	ReasonBadAnswer                     // error: Dedipass accepted a code we cannot credit
	ReasonAlreadyYours                  // duplicate: credited to this customer before
	ReasonAlreadyUsed                   // duplicate: credited to another customer
	ReasonHeld                          // error: worth more than max_credit_cents, waits for the admin
)

// RedeemResult is what the customer is told about one code.
type RedeemResult struct {
	Outcome      Outcome
	Reason       Reason
	Code         string
	CreditCents  int64 // cents this request added (0 unless credited)
	BalanceCents int64 // balance after the request
}

// Redeem checks a code typed by a customer and credits the wallet once.
func (d *Dedipass) Redeem(ctx context.Context, cfg settings.Dedipass, user *db.User, rawCode string) (RedeemResult, error) {
	code := strings.TrimSpace(rawCode)
	res := RedeemResult{Code: code, BalanceCents: user.BalanceCents}
	// The attempt is reserved (counted as refused until it has its outcome) before
	// Dedipass is asked, so parallel codes cannot exceed the limit.
	since := db.Now() - int64(RefusedWindow/time.Second)
	attempt, ok, err := d.Store.ReserveCodeAttempt(ctx, user.ID, code, since, MaxRefusedCodes)
	if err != nil {
		return res, err
	}
	if !ok {
		return d.finish(ctx, user, 0, res, OutcomeRefused, ReasonTooManyAttempts)
	}
	if !dedipass.ValidCode(code) {
		res.Code = ""
		return d.finish(ctx, user, attempt, res, OutcomeRefused, ReasonBadFormat)
	}
	cli, pub, priv := d.client(cfg)
	if pub == "" || priv == "" {
		return d.finish(ctx, user, attempt, res, OutcomeError, ReasonNotConfigured)
	}
	key := dedipass.CodeKey(code)
	if p, err := d.Store.PaymentByCode(ctx, key); err == nil && p.Credited() {
		return d.finish(ctx, user, attempt, res, OutcomeDuplicate, dupReason(p, user.ID))
	} else if err != nil && !errors.Is(err, db.ErrNotFound) {
		return res, err
	}
	uid := user.ID
	base := db.Payment{Code: code, CodeKey: key, UserID: &uid, Custom: user.Custom, Source: "form", Sandbox: cfg.Sandbox}
	// Note the attempt before asking Dedipass: if we crash after Dedipass consumed the
	// code, the admin still sees a pending payment (and Dedipass's callback settles it).
	pending := base
	pending.Status = db.StatusPending
	if _, err := d.Store.SettlePayment(ctx, &pending); err != nil {
		return res, err
	}

	start := time.Now()
	answer, verr := cli.Validate(ctx, pub, priv, code)
	metrics.ProviderRequest("validate", time.Since(start), verr == nil)
	switch {
	case verr == nil:
	case errors.Is(verr, dedipass.ErrUnavailable):
		d.Log.Warn("dedipass unavailable", "user_id", user.ID, "err", verr.Error())
		p := base
		p.Status, p.Reason = db.StatusError, verr.Error()
		if _, err := d.Store.SettlePayment(ctx, &p); err != nil {
			return res, err
		}
		reason := ReasonUnavailable
		if errors.Is(verr, dedipass.ErrTimeout) {
			reason = ReasonTimeout
		}
		return d.finish(ctx, user, attempt, res, OutcomeError, reason)
	default: // a success answer we cannot credit (ErrBadAnswer): keep it for the admin
		d.Log.Warn("dedipass answer not creditable", "user_id", user.ID, "err", verr.Error())
		p := fill(base, answer)
		p.Status, p.Reason = db.StatusError, verr.Error()
		if _, err := d.Store.SettlePayment(ctx, &p); err != nil {
			return res, err
		}
		return d.finish(ctx, user, attempt, res, OutcomeError, ReasonBadAnswer)
	}

	p := fill(base, answer)
	p.Country, p.Solution = d.place(cfg, p.Rate)
	if !answer.Success {
		p.Status, p.Reason = db.StatusRefused, answer.Message
	} else if err := accept(cfg, &p, answer.VirtualCurrency); err != nil {
		p.Status, p.Reason = db.StatusError, "credit overflow: "+err.Error()
	}
	holdIfSuspended(&p, user)
	settled, err := d.settle(ctx, cfg, &p)
	if err != nil {
		return res, err
	}
	switch settled {
	case db.Credited:
		res.CreditCents = p.CreditCents
		return d.finish(ctx, user, attempt, res, OutcomeCredited, ReasonNone)
	case db.AlreadyCredited, db.CreditedToOther:
		return d.finish(ctx, user, attempt, res, OutcomeDuplicate, dupReason(&p, user.ID))
	}
	switch p.Status {
	case db.StatusTest:
		return d.finish(ctx, user, attempt, res, OutcomeTest, ReasonNone)
	case db.StatusPending:
		d.Log.Warn("dedipass code held for the admin", "user_id", user.ID, "payment_id", p.ID)
		return d.finish(ctx, user, attempt, res, OutcomeError, ReasonHeld)
	case db.StatusError:
		return d.finish(ctx, user, attempt, res, OutcomeError, ReasonBadAnswer)
	}
	// Refused by Dedipass. If the code was meanwhile credited by the callback (Dedipass
	// says "already used"), tell the customer it is already on their wallet.
	if cur, err := d.Store.PaymentByCode(ctx, key); err == nil && cur.Credited() {
		return d.finish(ctx, user, attempt, res, OutcomeDuplicate, dupReason(cur, user.ID))
	}
	return d.finish(ctx, user, attempt, res, OutcomeRefused, ReasonRefused)
}

func dupReason(p *db.Payment, userID int64) Reason {
	if p.SameUser(userID) {
		return ReasonAlreadyYours
	}
	return ReasonAlreadyUsed
}

// finish gives the reserved attempt its outcome's word, so a refused code keeps
// counting toward the limit and the others stop counting (attempt 0: the limit itself
// stopped it, nothing was reserved), and fills the result with the fresh balance.
func (d *Dedipass) finish(ctx context.Context, user *db.User, attempt int64, res RedeemResult, outcome Outcome, reason Reason) (RedeemResult, error) {
	res.Outcome, res.Reason = outcome, reason
	metrics.Code(outcome.String())
	if attempt != 0 {
		if err := d.Store.SetCodeAttemptOutcome(ctx, attempt, res.Code, outcome.String()); err != nil {
			return res, err
		}
	}
	if u, err := d.Store.UserByID(ctx, user.ID); err == nil {
		res.BalanceCents = u.BalanceCents
	}
	return res, nil
}

// settle is where the form and the callback meet: a code Dedipass judged, its payment
// row filled and its status set (accept), is recorded and credits its wallet at most
// once (SPEC §5.5).
func (d *Dedipass) settle(ctx context.Context, cfg settings.Dedipass, p *db.Payment) (db.Settlement, error) {
	p.OnCredit, p.OnPending = d.onCredit(cfg), d.onPending(cfg)
	settled, err := d.Store.SettlePayment(ctx, p)
	if err == nil {
		d.settled(p, settled)
	}
	return settled, err
}

// settled counts and logs a credit.
func (d *Dedipass) settled(p *db.Payment, settled db.Settlement) {
	if settled == db.Credited {
		metrics.Credited(p.CreditCents)
		d.Log.Info("dedipass code credited", "user_id", *p.UserID, "payment_id", p.ID, "credit_cents", p.CreditCents, "source", p.Source)
	}
}

// onCredit is the OnCredit of a payment, run in the transaction of the credit: the
// customer's receipt mail (once per payment: its Message-ID names the payment) and the
// payment.credited webhooks (once per payment and endpoint). With neither SMTP nor
// notifications there is nothing to queue and the settlement keeps its fastest path.
func (d *Dedipass) onCredit(cfg settings.Dedipass) func(ctx context.Context, tx *db.Tx, p *db.Payment, balanceAfter int64) error {
	mailOn := d.Mail.Enabled()
	hooks := d.Notify != nil && cfg.Announced
	if !mailOn && !hooks {
		return nil
	}
	return func(ctx context.Context, tx *db.Tx, p *db.Payment, balanceAfter int64) error {
		u, err := tx.UserByID(ctx, *p.UserID)
		if err != nil {
			return err
		}
		if mailOn {
			if _, err = d.Mail.Queue(ctx, tx, mail.Message{To: u.Email, Lang: u.Lang, Template: "topup",
				ID: "topup-" + strconv.FormatInt(p.ID, 10),
				Data: mail.Data{Name: u.Name, AmountCents: p.CreditCents, BalanceCents: balanceAfter, Code: p.Code,
					URL: d.Mail.URL("/client/dedipass/history")}}); err != nil {
				return err
			}
		}
		if hooks {
			return d.Notify.PaymentCredited(ctx, tx, p, u, balanceAfter)
		}
		return nil
	}
}

// onPending is the OnPending of a payment that waits for the admin: the
// payment.pending webhooks and the admin mail, in the transaction that records it.
func (d *Dedipass) onPending(cfg settings.Dedipass) func(ctx context.Context, tx *db.Tx, p *db.Payment) error {
	if d.Notify == nil || (!cfg.Announced && !d.Mail.Enabled()) {
		return nil
	}
	return d.Notify.PaymentPending
}

// fill copies what Dedipass said about a code into a payment row.
func fill(p db.Payment, a dedipass.Result) db.Payment {
	p.Rate = a.Rate
	p.Identifier = a.Identifier
	p.PayoutCents = int64(a.Payout.Cents())
	p.VirtualCurrency = a.VirtualCurrency.String()
	p.Test = a.Test
	p.Raw = string(a.Raw)
	return p
}

// place is the country and solution of a payment at rate: those of the cached offer
// with the same rate, else empty. Rates are opaque strings and are never parsed.
func (d *Dedipass) place(cfg settings.Dedipass, rate string) (country, solution string) {
	c, pub, _ := d.client(cfg)
	if o, ok := c.CachedOffer(pub, rate); ok {
		return o.CountryISO, o.Solution
	}
	return "", ""
}

// CallbackOutcome is what became of a Dedipass callback.
type CallbackOutcome int

const (
	CallbackCredited        CallbackOutcome = iota + 1 // the wallet was credited
	CallbackAlreadyCredited                            // the same customer had it already: nothing changed
	CallbackRecorded                                   // recorded without credit (refused, test code); Detail is its status
	CallbackWrongKey                                   // wrong or missing private key: nothing recorded
	CallbackInvalid                                    // a field breaks its rule; Detail says which (dedipass.CallbackError)
	CallbackUnknownCustomer                            // custom matches no customer: recorded for the admin
	CallbackCreditedToOther                            // the code credited another customer: nothing changed
)

// CallbackResult is what Dedipass is told about its callback.
type CallbackResult struct {
	Outcome CallbackOutcome
	Detail  string // the broken rule (CallbackInvalid) or the recorded status (CallbackRecorded)
}

// Callback handles POST /api/dedipass (SPEC §5.4). form is the posted fields, read
// by dedipass.ParseCallback; the rules here are the key, the customer and the credit.
func (d *Dedipass) Callback(ctx context.Context, cfg settings.Dedipass, form url.Values) (res CallbackResult, err error) {
	defer func() { metrics.Callback(callbackWord(res.Outcome, err)) }()
	cb, perr := dedipass.ParseCallback(form)
	// Constant-time compare; no key configured = always wrong.
	if cfg.PrivateKey == "" || cb.PrivateKey == "" || subtle.ConstantTimeCompare([]byte(cb.PrivateKey), []byte(cfg.PrivateKey)) != 1 {
		return CallbackResult{Outcome: CallbackWrongKey}, nil
	}
	if perr != nil {
		var ce *dedipass.CallbackError
		if !errors.As(perr, &ce) {
			return CallbackResult{}, perr
		}
		return CallbackResult{Outcome: CallbackInvalid, Detail: ce.Message}, nil
	}
	cb = cb.Redacted(cfg.PrivateKey)
	p := db.Payment{
		Code: cb.Code, CodeKey: dedipass.CodeKey(cb.Code), Custom: cb.Custom, Source: "callback", Sandbox: cfg.Sandbox,
		Rate: cb.Rate, Identifier: cb.Identifier, PayoutCents: int64(cb.Payout.Cents()),
		VirtualCurrency: cb.VirtualCurrency.String(), Test: cb.Test, Raw: string(dedipass.RawForm(form, cfg.PrivateKey, cfg.PublicKey)),
	}
	p.Country, p.Solution = d.place(cfg, cb.Rate)
	if cb.Success && cb.Custom != "" {
		// The usual callback, a new code of an active customer: the customer is found
		// inside the settlement statement (PostgreSQL). Anything else — SQLite, an
		// unknown or suspended customer, a code seen before — takes the way below.
		q := p
		// With hooks SettleByCustom declines; a credit accept refuses is the way below's to
		// judge, since that way knows the customer.
		q.OnCredit, q.OnPending = d.onCredit(cfg), d.onPending(cfg)
		if accept(cfg, &q, cb.VirtualCurrency) == nil {
			settled, done, err := d.Store.SettleByCustom(ctx, &q)
			if err != nil {
				return CallbackResult{}, err
			}
			if done {
				d.settled(&q, settled)
				return callbackResult(settled, q.Status), nil
			}
		}
	}
	user, err := d.Store.UserByCustom(ctx, cb.Custom)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return CallbackResult{}, err
	}
	if err != nil || cb.Custom == "" {
		p.Status, p.Reason = db.StatusPending, "unknown customer (custom="+strconv.Quote(cb.Custom)+"): credit it by hand"
		if !cb.Success {
			p.Status = db.StatusRefused
		}
		p.OnPending = d.onPending(cfg)
		settled, err := d.Store.SettlePayment(ctx, &p)
		if err != nil {
			return CallbackResult{}, err
		}
		if settled == db.CreditedToOther || settled == db.AlreadyCredited {
			// Paid and credited before (form or callback): Dedipass is told so, whoever
			// it names, so that it never retries nor reports a paid code as lost.
			return CallbackResult{Outcome: CallbackAlreadyCredited}, nil
		}
		d.Log.Warn("dedipass callback for unknown customer", "payment_id", p.ID)
		return CallbackResult{Outcome: CallbackUnknownCustomer}, nil
	}
	uid := user.ID
	p.UserID = &uid
	if !cb.Success {
		p.Status, p.Reason = db.StatusRefused, "callback status "+strconv.Quote(cb.Status)
	} else if err := accept(cfg, &p, cb.VirtualCurrency); err != nil {
		return CallbackResult{Outcome: CallbackInvalid, Detail: "virtual_currency too large"}, nil
	}
	holdIfSuspended(&p, user)
	settled, err := d.settle(ctx, cfg, &p)
	if err != nil {
		return CallbackResult{}, err
	}
	return callbackResult(settled, p.Status), nil
}

// callbackResult is what Dedipass is told about a settled callback.
func callbackResult(settled db.Settlement, status string) CallbackResult {
	switch settled {
	case db.Credited:
		return CallbackResult{Outcome: CallbackCredited}
	case db.AlreadyCredited:
		return CallbackResult{Outcome: CallbackAlreadyCredited}
	case db.CreditedToOther:
		return CallbackResult{Outcome: CallbackCreditedToOther}
	}
	return CallbackResult{Outcome: CallbackRecorded, Detail: status}
}

// callbackWord names a callback's outcome in the metrics.
func callbackWord(o CallbackOutcome, err error) string {
	if err != nil {
		return "error"
	}
	switch o {
	case CallbackCredited:
		return "credited"
	case CallbackAlreadyCredited:
		return "already_credited"
	case CallbackRecorded:
		return "recorded"
	case CallbackWrongKey:
		return "wrong_key"
	case CallbackInvalid:
		return "invalid"
	case CallbackUnknownCustomer:
		return "unknown_customer"
	case CallbackCreditedToOther:
		return "credited_to_other"
	}
	return "unknown"
}

var (
	// ErrNotPending: the payment is not (or no longer) pending: nothing to decide.
	ErrNotPending = errors.New("payment is not pending")
	// ErrNoCredit: the pending payment has no virtual_currency to credit.
	ErrNoCredit = errors.New("pending payment without a credit")
	// ErrAssignUnknownEmail: no customer has the email the admin typed.
	ErrAssignUnknownEmail = errors.New("no customer with this email")
	// ErrRefuseReason: the refusal's reason is missing or too long.
	ErrRefuseReason = errors.New("refusal reason required (500 characters at most)")
)

// maxRefuseReason bounds the admin's refusal reason.
const maxRefuseReason = 500

// AssignPending credits a pending payment (unknown customer, above max_credit_cents) to
// the customer with that email, once (SPEC §8): the credit is the payment's
// virtual_currency at the current unit_cents, test codes follow the usual rule, and the
// write is conditional on the payment still being pending, so assigning twice, or
// concurrently, credits once (the losers get ErrNotPending). Audited.
func (d *Dedipass) AssignPending(ctx context.Context, actor db.Actor, cfg settings.Dedipass, paymentID int64, email string) (*db.Payment, error) {
	user, err := d.Store.UserByEmail(ctx, strings.TrimSpace(email))
	if errors.Is(err, db.ErrNotFound) {
		return nil, ErrAssignUnknownEmail
	}
	if err != nil {
		return nil, err
	}
	var out *db.Payment
	err = d.Store.Tx(ctx, func(tx *db.Tx) error {
		p, err := tx.PaymentByID(ctx, paymentID)
		if err != nil {
			return err
		}
		if p.Status != db.StatusPending || p.Credited() {
			return ErrNotPending
		}
		vc, err := money.ParseMicros(p.VirtualCurrency)
		if err != nil || vc < 0 {
			return ErrNoCredit
		}
		uid := user.ID
		p.UserID = &uid
		// The admin's approval lifts max_credit_cents; the test-code rule stays.
		approved := cfg
		approved.MaxCreditCents = 0
		if err := accept(approved, p, vc); err != nil {
			return ErrNoCredit
		}
		p.Reason = "assigned by an admin"
		p.OnCredit = d.onCredit(cfg)
		ok, err := tx.ResolvePending(ctx, p)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotPending
		}
		out = p
		return tx.Audit(ctx, actor, "payment.assign", fmt.Sprintf("payment:%d", p.ID),
			fmt.Sprintf("code=%s user_id=%d status=%s credit_cents=%d", p.Code, uid, p.Status, p.CreditCents))
	})
	if err != nil {
		return nil, err
	}
	metrics.Credited(out.CreditCents)
	d.Log.Info("dedipass pending payment assigned", "payment_id", out.ID, "user_id", user.ID, "credit_cents", out.CreditCents)
	return out, nil
}

// RefusePending closes a pending payment without credit, with the admin's reason
// (SPEC §8). Audited; a payment no longer pending gives ErrNotPending.
func (d *Dedipass) RefusePending(ctx context.Context, actor db.Actor, paymentID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > maxRefuseReason {
		return ErrRefuseReason
	}
	return d.Store.Tx(ctx, func(tx *db.Tx) error {
		p, err := tx.PaymentByID(ctx, paymentID)
		if err != nil {
			return err
		}
		if p.Status != db.StatusPending || p.Credited() {
			return ErrNotPending
		}
		p.Status, p.Reason = db.StatusRefused, "refused by an admin: "+reason
		ok, err := tx.ResolvePending(ctx, p)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotPending
		}
		return tx.Audit(ctx, actor, "payment.refuse", fmt.Sprintf("payment:%d", p.ID), "code="+p.Code+" reason="+reason)
	})
}

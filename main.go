// Command recharge is the Recharge client area: one binary serving the portal on an
// embedded SQLite file. main only wires things: flags and environment → config, open the
// database, start the server and the background jobs, stop them cleanly.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"recharge/accounts"
	"recharge/db"
	"recharge/handlers"
	"recharge/jobs"
	"recharge/mail"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  recharge [serve] [--addr :8080] [--database data/recharge.db] [--base-url http://localhost:8080] [--dedipass-api https://api.dedipass.com] [--trusted-proxies IP,...]
  recharge user create --email E --password P [--name N] [--admin] [--database …]
  recharge user password --email E --password P [--database …]   (ends that user's sessions)
  recharge backup FILE [--database …]
  recharge copy --from SRC --to DST   (SQLite file or postgres:// URL each; DST must be empty)
`)
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(args, stdout, stderr)
	case "user":
		switch {
		case len(args) > 0 && args[0] == "create":
			return userCreate(args[1:], stdout, stderr)
		case len(args) > 0 && args[0] == "password":
			return userPassword(args[1:], stdout, stderr)
		}
		fmt.Fprintln(stderr, "recharge user: give `user create` or `user password`")
		usage(stderr)
		return 2
	case "backup":
		return backup(args, stdout, stderr)
	case "copy":
		return copyDatabase(args, stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "recharge: unknown command %q\n", cmd)
	usage(stderr)
	return 2
}

// env returns the environment value or def.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func databaseFlag(fs *flag.FlagSet) *string {
	return fs.String("database", env("RECHARGE_DATABASE", "data/recharge.db"), "SQLite database file (env RECHARGE_DATABASE)")
}

func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", env("RECHARGE_ADDR", ":8080"), "listen address (env RECHARGE_ADDR)")
	database := databaseFlag(fs)
	baseURL := fs.String("base-url", env("RECHARGE_BASE_URL", "http://localhost:8080"), "public URL of the portal (env RECHARGE_BASE_URL)")
	api := fs.String("dedipass-api", env("RECHARGE_DEDIPASS_API", "https://api.dedipass.com"), "Dedipass API base URL (env RECHARGE_DEDIPASS_API)")
	smtpAddr := fs.String("smtp-addr", env("RECHARGE_SMTP_ADDR", ""), "SMTP server host:port; empty = send no mail (env RECHARGE_SMTP_ADDR)")
	smtpUser := fs.String("smtp-user", env("RECHARGE_SMTP_USER", ""), "SMTP user name (env RECHARGE_SMTP_USER)")
	smtpPassword := fs.String("smtp-password", env("RECHARGE_SMTP_PASSWORD", ""), "SMTP password (env RECHARGE_SMTP_PASSWORD; prefer the environment: flags show in ps)")
	smtpFrom := fs.String("smtp-from", env("RECHARGE_SMTP_FROM", ""), "sender address of mails, default noreply@<host of --base-url> (env RECHARGE_SMTP_FROM)")
	smtpTLS := fs.String("smtp-tls", env("RECHARGE_SMTP_TLS", "starttls"), "none | starttls | tls (env RECHARGE_SMTP_TLS)")
	proxies := fs.String("trusted-proxies", env("RECHARGE_TRUSTED_PROXIES", ""), "comma-separated proxy IPs/CIDRs allowed to set X-Forwarded-For (env RECHARGE_TRUSTED_PROXIES); empty = ignore the header")
	metricsToken := fs.String("metrics-token", env("RECHARGE_METRICS_TOKEN", ""), "turns on GET /metrics for Authorization: Bearer <token> (env RECHARGE_METRICS_TOKEN; prefer the environment: flags show in ps)")
	hooksPrivate := fs.Bool("webhooks-allow-private", env("RECHARGE_WEBHOOKS_ALLOW_PRIVATE", "") == "1", "let webhooks reach loopback and private addresses, for a receiver on this host or LAN (env RECHARGE_WEBHOOKS_ALLOW_PRIVATE=1)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(logger)
	mailCfg := mail.Config{Addr: *smtpAddr, User: *smtpUser, Password: *smtpPassword, From: *smtpFrom, TLS: *smtpTLS}
	if err := mailCfg.Check(); err != nil {
		fmt.Fprintf(stderr, "recharge: %v\n", err)
		return 2
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// A small host runs this beside other things: let the GC work harder before the
		// heap grows (soft limit; GOMEMLIMIT overrides it).
		debug.SetMemoryLimit(40 << 20)
	}

	store, err := db.Open(*database)
	if err != nil {
		fmt.Fprintf(stderr, "recharge: %v\n", err)
		return 1
	}
	defer store.Close()

	cfg := handlers.Config{
		BaseURL:     strings.TrimRight(*baseURL, "/"),
		DedipassAPI: strings.TrimRight(*api, "/"),
		Mail:        mailCfg,
		Logger:      logger,

		MetricsToken:         strings.TrimSpace(*metricsToken),
		WebhooksAllowPrivate: *hooksPrivate,
	}
	for _, p := range strings.Split(*proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			cfg.TrustedProxies = append(cfg.TrustedProxies, p)
		}
	}
	app, srv, err := handlers.New(cfg, store)
	if err != nil {
		fmt.Fprintf(stderr, "recharge: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	(&jobs.Housekeeping{Store: store, Shop: srv.Shop(), Log: logger, FormTokenTTL: handlers.FormTokenTTL}).Start(ctx)
	ob := &jobs.Outbox{Store: store, Mail: srv.Mailer(), Webhooks: srv.Webhooks(), Log: logger, Brand: srv.MailBrand}
	if v := os.Getenv("RECHARGE_OUTBOX_LEASE"); v != "" {
		// How long a message being sent stays another instance's (default 2 min): after
		// a crash mid-delivery it is tried again once the lease ends.
		if ob.Lease, err = time.ParseDuration(v); err != nil || ob.Lease < time.Second {
			fmt.Fprintf(stderr, "recharge: RECHARGE_OUTBOX_LEASE %q: want a duration of at least 1s\n", v)
			return 2
		}
	}
	outboxDone := ob.Start(ctx)
	if !mailCfg.Enabled() {
		logger.Info("no --smtp-addr: the portal sends no mail (password resets go through the admin's reset link)")
	}

	token, err := srv.Accounts().PrepareSetup(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "recharge: %v\n", err)
		return 1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "recharge: listen %s: %v\n", *addr, err)
		return 1
	}
	logger.Info("recharge listening", "addr", ln.Addr().String(), "database", store.Path(), "base_url", cfg.BaseURL)
	if token != "" {
		fmt.Fprintf(stdout, "No administrator yet. Create the first one at: %s/setup?token=%s\n", cfg.BaseURL, token)
	}
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	select {
	case err := <-errc:
		if err != nil {
			fmt.Fprintf(stderr, "recharge: %v\n", err)
			return 1
		}
	case <-ctx.Done():
		logger.Info("shutting down: finishing in-flight requests")
		if err := app.ShutdownWithTimeout(20 * time.Second); err != nil {
			logger.Error("shutdown", "err", err.Error())
		}
		// If the signal came before the server goroutine started serving, Shutdown had
		// nothing to stop: closing the listener makes that late Listener call return.
		_ = ln.Close()
		<-errc
		<-outboxDone // a mail being sent gets its verdict written before the store closes
	}
	if err := store.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		logger.Error("close database", "err", err.Error())
	}
	logger.Info("stopped")
	return 0
}

// accountCommand is the shared part of the user commands: --email, --password and
// --database, both first ones required, then the database opened.
type accountCommand struct {
	name                      string
	fs                        *flag.FlagSet
	email, password, database *string
}

func newAccountCommand(name, passwordHelp string, stderr io.Writer) *accountCommand {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &accountCommand{name: name, fs: fs,
		email:    fs.String("email", "", "email address (required)"),
		password: fs.String("password", "", passwordHelp+", at least 8 characters (required)"),
		database: databaseFlag(fs)}
}

// open parses args and opens the database; code is the exit status when it failed.
func (a *accountCommand) open(args []string, stderr io.Writer) (store *db.Store, code int) {
	if err := a.fs.Parse(args); err != nil {
		return nil, 2
	}
	if *a.email == "" || *a.password == "" {
		fmt.Fprintf(stderr, "recharge %s: --email and --password are required\n", a.name)
		return nil, 2
	}
	store, err := db.Open(*a.database)
	if err != nil {
		fmt.Fprintf(stderr, "recharge: %v\n", err)
		return nil, 1
	}
	return store, 0
}

// refused says in words why the account rules refused the command.
func (a *accountCommand) refused(stderr io.Writer, err error) {
	email := strings.ToLower(strings.TrimSpace(*a.email))
	switch {
	case errors.Is(err, accounts.ErrEmailTaken):
		fmt.Fprintf(stderr, "recharge %s: an account with email %s already exists\n", a.name, email)
	case errors.Is(err, db.ErrNotFound):
		fmt.Fprintf(stderr, "recharge %s: no account with email %s\n", a.name, email)
	case errors.Is(err, accounts.ErrPasswordTooShort):
		fmt.Fprintf(stderr, "recharge %s: the password must be at least %d characters\n", a.name, accounts.MinPasswordLen)
	case errors.Is(err, accounts.ErrPasswordTooLong):
		fmt.Fprintf(stderr, "recharge %s: the password is too long\n", a.name)
	case errors.Is(err, accounts.ErrEmailInvalid):
		fmt.Fprintf(stderr, "recharge %s: invalid email address\n", a.name)
	default:
		fmt.Fprintf(stderr, "recharge %s: %v\n", a.name, err)
	}
}

func userCreate(args []string, stdout, stderr io.Writer) int {
	cmd := newAccountCommand("user create", "password", stderr)
	name := cmd.fs.String("name", "", "display name")
	admin := cmd.fs.Bool("admin", false, "create an administrator")
	store, code := cmd.open(args, stderr)
	if store == nil {
		return code
	}
	defer store.Close()
	role := "client"
	if *admin {
		role = "admin"
	}
	svc := &accounts.Service{Store: store}
	u, err := svc.Register(context.Background(), *cmd.email, *cmd.password, *name, role, "")
	if err != nil {
		cmd.refused(stderr, err)
		return 1
	}
	if role == "admin" {
		_ = svc.CompleteSetup(context.Background())
	}
	fmt.Fprintf(stdout, "created %s %s (id %d)\n", role, u.Email, u.ID)
	return 0
}

// userPassword is `recharge user password`: the way back in for a locked-out admin.
// It sets the password and ends every session of that user.
func userPassword(args []string, stdout, stderr io.Writer) int {
	cmd := newAccountCommand("user password", "new password", stderr)
	reset2FA := cmd.fs.Bool("reset-2fa", false, "also turn two-factor off (a lost phone and recovery codes)")
	store, code := cmd.open(args, stderr)
	if store == nil {
		return code
	}
	defer store.Close()
	u, err := (&accounts.Service{Store: store}).SetPassword(context.Background(), *cmd.email, *cmd.password, *reset2FA)
	if err != nil {
		cmd.refused(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "password set for %s (id %d); every session of this account ended\n", u.Email, u.ID)
	if *reset2FA {
		fmt.Fprintln(stdout, "two-factor authentication is off for this account; turn it on again from the account page")
	} else if u.TwoFactor() {
		fmt.Fprintln(stdout, "note: two-factor authentication stays on; add --reset-2fa if the phone and recovery codes are lost")
	}
	if u.Suspended() {
		fmt.Fprintln(stdout, "note: this account is suspended; an admin must reinstate it before it can log in")
	}
	return 0
}

func backup(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	database := databaseFlag(fs)
	// Accept FILE before or after the flags.
	var dest string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		dest, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if dest == "" && fs.NArg() > 0 {
		dest = fs.Arg(0)
	}
	if dest == "" {
		fmt.Fprintln(stderr, "recharge backup: give the destination FILE")
		return 2
	}
	if db.IsPostgres(*database) {
		fmt.Fprintf(stderr, "recharge backup: %v\n", db.ErrBackupPostgres)
		return 1
	}
	if _, err := os.Stat(*database); err != nil {
		fmt.Fprintf(stderr, "recharge backup: database %s not found\n", *database)
		return 1
	}
	store, err := db.Open(*database)
	if err != nil {
		fmt.Fprintf(stderr, "recharge: %v\n", err)
		return 1
	}
	defer store.Close()
	if err := store.Backup(context.Background(), dest); err != nil {
		fmt.Fprintf(stderr, "recharge backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "backup written to %s\n", dest)
	return 0
}

// copyDatabase is `recharge copy --from SRC --to DST`: every row of one database into
// another, empty one (SQLite → PostgreSQL, or back), checked at the end.
func copyDatabase(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("copy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "source database: SQLite file or postgres:// URL")
	to := fs.String("to", "", "target database, empty: SQLite file or postgres:// URL")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *from == "" || *to == "" {
		fmt.Fprintln(stderr, "recharge copy: give --from SRC and --to DST")
		return 2
	}
	if !db.IsPostgres(*from) {
		if _, err := os.Stat(*from); err != nil {
			fmt.Fprintf(stderr, "recharge copy: source %s not found\n", *from)
			return 1
		}
	}
	src, err := db.Open(*from)
	if err != nil {
		fmt.Fprintf(stderr, "recharge copy: source: %v\n", err)
		return 1
	}
	defer src.Close()
	dst, err := db.Open(*to)
	if err != nil {
		fmt.Fprintf(stderr, "recharge copy: target: %v\n", err)
		return 1
	}
	defer dst.Close()
	fmt.Fprintf(stderr, "copying %s → %s\n", src.Path(), dst.Path())
	rep, err := db.Copy(context.Background(), src, dst, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "recharge copy: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "copied %d rows in %s; row counts and every wallet's ledger checked\n", rep.Total, rep.Elapsed.Round(time.Millisecond))
	return 0
}

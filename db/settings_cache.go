package db

import (
	"context"
	"maps"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// The settings of a PostgreSQL store are kept in memory between writes, so a request
// does not read the settings table every time (a callback made three round trips; this
// was one of them). Every write of the table notifies the channel settingsChannel in
// its own transaction; each instance listens on a connection of its own and drops its
// copy when any instance's write commits. The copy is used only while that connection
// listens: if it breaks, every read goes to the table until it listens again. A writing
// instance also drops its copy right after its commit, so it reads its own writes at
// once; other instances follow within the notification's delay (milliseconds).
//
// SQLite reads the table in process (no round trip) and several processes may share
// one file: no copy there.

const settingsChannel = "recharge_settings"

// channelOf is the notification channel of the database dsn names: a channel is
// shared by the whole PostgreSQL database, so a store confined to a schema (the tests'
// search_path) gets a channel of its own.
func channelOf(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return settingsChannel
	}
	schema := u.Query().Get("search_path")
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return -1
	}, strings.ToLower(schema))
	if clean == "" || len(clean) > 40 {
		return settingsChannel
	}
	return settingsChannel + "_" + clean
}

type settingsCache struct {
	mu        sync.Mutex
	kv        map[string]string // nil: not cached
	gen       uint64            // bumped by every invalidation
	listening bool
	channel   string

	stop context.CancelFunc
	done chan struct{}
}

// get returns a copy of the cached settings, or the generation a reader must bring
// back to put what it read.
func (c *settingsCache) get() (kv map[string]string, gen uint64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.listening && c.kv != nil {
		return maps.Clone(c.kv), c.gen, true
	}
	return nil, c.gen, false
}

// put keeps kv if nothing was invalidated since the reader took gen.
func (c *settingsCache) put(kv map[string]string, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.listening && gen == c.gen {
		c.kv = maps.Clone(kv)
	}
}

func (c *settingsCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.kv = nil
}

func (c *settingsCache) setListening(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.listening = on
	c.gen++
	c.kv = nil
}

// listenSettings starts the listener of a PostgreSQL store (stopped by Close).
func (s *Store) listenSettings(dsn string) {
	ctx, cancel := context.WithCancel(context.Background())
	c := &settingsCache{stop: cancel, done: make(chan struct{}), channel: channelOf(dsn)}
	s.cache = c
	go func() {
		defer close(c.done)
		for ctx.Err() == nil {
			_ = listenOnce(ctx, dsn, c)
			c.setListening(false)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second): // then listen again
			}
		}
	}()
}

func listenOnce(ctx context.Context, dsn string, c *settingsCache) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+c.channel); err != nil {
		return err
	}
	c.setListening(true)
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		c.invalidate()
	}
}

// stopListening ends the listener.
func (s *Store) stopListening() {
	if s.cache != nil {
		s.cache.stop()
		<-s.cache.done
	}
}

// settingsWritten is called by every write of the settings table: on PostgreSQL the
// other instances are notified when the transaction commits, and this one drops its
// copy after the commit (at once when there is no transaction).
func (c *conn) settingsWritten(ctx context.Context) error {
	if c.store.cache == nil {
		return nil
	}
	if _, err := c.write.ExecContext(ctx, `SELECT pg_notify($1, '')`, c.store.cache.channel); err != nil {
		return classify(err)
	}
	if c.tx != nil {
		c.tx.settingsChanged = true
	} else {
		c.store.cache.invalidate()
	}
	return nil
}

package postgres

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/testenv"
)

// flightProxy forwards TCP to a server and counts round trips as the
// server sees them: a flight is a run of client bytes that follows
// server bytes (or starts the connection). A pipelined batch is one
// flight however many statements it holds.
type flightProxy struct {
	ln      net.Listener
	backend string
	mu      sync.Mutex
	n       int
	wg      sync.WaitGroup
	conns   []net.Conn
}

func newFlightProxy(t testing.TB, backend string) *flightProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &flightProxy{ln: ln, backend: backend}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *flightProxy) Addr() string { return p.ln.Addr().String() }

func (p *flightProxy) flights() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

func (p *flightProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.backend)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		clientTurn := false // whose bytes came last on this connection
		var turn sync.Mutex
		pipe := func(dst, src net.Conn, fromClient bool) {
			defer p.wg.Done()
			buf := make([]byte, 32<<10)
			for {
				n, err := src.Read(buf)
				if n > 0 {
					turn.Lock()
					if fromClient && !clientTurn {
						p.mu.Lock()
						p.n++
						p.mu.Unlock()
					}
					clientTurn = fromClient
					turn.Unlock()
					if _, werr := dst.Write(buf[:n]); werr != nil {
						break
					}
				}
				if err != nil {
					break
				}
			}
			// Half-close so the other side sees the end.
			if tc, ok := dst.(*net.TCPConn); ok {
				_ = tc.CloseWrite()
			}
			_ = src.Close()
		}
		p.wg.Add(2)
		go pipe(s, c, true)
		go pipe(c, s, false)
	}
}

func (p *flightProxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// suiteCluster is a cluster with something for every check to read:
// pg_stat_statements, tables, indexes, a foreign key.
func suiteCluster(t testing.TB) *testenv.PostgresServer {
	pg := testenv.Postgres(t, testenv.PostgresOptions{
		Password: "Bench-Long-Unguessable-Pass",
		Preload:  []string{"pg_stat_statements"},
	})
	pg.Exec(t, `CREATE EXTENSION pg_stat_statements;
		CREATE TABLE parent (id int PRIMARY KEY);
		CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent(id), v text);
		CREATE INDEX child_v ON child (v);
		INSERT INTO parent SELECT generate_series(1, 1000);
		INSERT INTO child SELECT i, 1 + i % 1000, md5(i::text) FROM generate_series(1, 5000) i;
		ANALYZE`)
	return pg
}

// TestRoundTripsConstant: one setting check or the whole suite, a run
// costs the server the same round trips: two batches on a warm pool.
func TestRoundTripsConstant(t *testing.T) {
	pg := suiteCluster(t)
	proxy := newFlightProxy(t, pg.Addr)
	dsn := pg.DSN("postgres", "Bench-Long-Unguessable-Pass", "postgres")
	dsn = replaceHost(dsn, pg.Addr, proxy.Addr())

	// pgxpool pings a connection that idled over a second before handing
	// it out: a round trip of the pool's, not of the checks. The
	// password audit can idle the connection that long under -race.
	cfg, err := pgxpool.ParseConfig(dsn + "&pool_max_conns=1")
	require.NoError(t, err)
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	cfg.HealthCheckPeriod = time.Hour // its periodic check would be a round trip too
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	require.NoError(t, err)
	defer pool.Close()
	s := New(pool, Options{})
	all := Checks(s)
	require.NotEmpty(t, all)

	runFlights := func(cs []check.Check) int {
		before := proxy.flights()
		var r check.Runner
		rep, err := r.Run(t.Context(), cs...)
		require.NoError(t, err)
		for _, o := range rep.Outcomes {
			require.NotEqual(t, check.StatusError, o.Result.Status, "%s: %s", o.Meta.Name(), o.Result.Message)
		}
		return proxy.flights() - before
	}
	runFlights(all) // warm the pool's connection and statement cache
	one := runFlights(all[:1])
	every := runFlights(all)
	assert.Equal(t, 2, one, "round trips for one check")
	assert.Equal(t, 2, every, "round trips for %d checks", len(all))

	// Open connects per run: the connect handshake, the two batches and
	// the goodbye, the same for one check as for all.
	so := Open(dsn, Options{})
	oneOpen := runFlights(Checks(so)[:1])
	allOpen := runFlights(Checks(so))
	assert.Equal(t, oneOpen, allOpen)
	t.Logf("pool: %d round trips per run (%d checks); Open: %d including connect and close", every, len(all), allOpen)
}

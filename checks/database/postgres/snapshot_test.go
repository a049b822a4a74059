package postgres

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/internal/testenv"
)

// TestSnapshotRoles reads one cluster as a superuser, a pg_monitor role
// and a role with no grants: the same two round trips, and every part the
// role cannot see marked as such rather than empty.
func TestSnapshotRoles(t *testing.T) {
	pg := testenv.Postgres(t, testenv.PostgresOptions{
		Password: "Sup3r-Long-Unguessable-Pass",
		Preload:  []string{"pg_stat_statements"},
		HBA:      []string{"local all all trust", "host all all 127.0.0.1/32 scram-sha-256"},
	})
	pg.Exec(t, `CREATE EXTENSION pg_stat_statements;
		CREATE ROLE mon LOGIN PASSWORD 'Mon1tor-Long-Unguessable' IN ROLE pg_monitor;
		CREATE ROLE plain LOGIN PASSWORD 'Pla1n-Long-Unguessable';
		CREATE TABLE parent (id int PRIMARY KEY);
		CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent(id), v text);
		CREATE INDEX child_v1 ON child (v); CREATE INDEX child_v2 ON child (v);
		INSERT INTO parent SELECT generate_series(1, 100);
		ANALYZE`)

	for _, tc := range []struct {
		user, password string
		super, stats   bool
	}{
		{"postgres", "Sup3r-Long-Unguessable-Pass", true, true},
		{"mon", "Mon1tor-Long-Unguessable", false, true},
		{"plain", "Pla1n-Long-Unguessable", false, false},
	} {
		t.Run(tc.user, func(t *testing.T) {
			s := Open(pg.DSN(tc.user, tc.password, "postgres"), Options{})
			assert.Equal(t, "postgres://"+pg.Addr+"/postgres", s.Target())
			snap, err := s.Snapshot(t.Context())
			require.NoError(t, err)
			assert.Equal(t, 2, snap.RoundTrips)
			assert.Equal(t, tc.super, snap.Superuser)
			assert.Equal(t, tc.stats, snap.ReadAllStats)
			assert.Equal(t, tc.super, snap.CanReadHBA)
			assert.Equal(t, tc.user, snap.User)
			assert.False(t, snap.InRecovery)
			v, err := snap.Setting("ssl")
			require.NoError(t, err)
			assert.Equal(t, "off", v.Value)
			_, err = snap.Setting("shared_preload_libraries")
			assert.Equal(t, !tc.stats, errors.Is(err, ErrInsufficientPrivilege), "%v", err)
			if tc.super {
				require.NoError(t, snap.HBAErr)
				require.Len(t, snap.HBA, 2)
				assert.Equal(t, "trust", snap.HBA[0].Method)
				assert.Positive(t, snap.HBA[0].Line)
				assert.NotEmpty(t, snap.HBA[0].File)
				assert.NoError(t, snap.hashesErr)
				assert.NotEmpty(t, snap.storedHashes)
			} else {
				assert.ErrorIs(t, snap.HBAErr, ErrInsufficientPrivilege)
				assert.ErrorIs(t, snap.hashesErr, ErrInsufficientPrivilege)
			}
			assert.Equal(t, !tc.stats, errors.Is(snap.SessionsErr, ErrInsufficientPrivilege))
			var own int
			for _, x := range snap.Sessions {
				if x.Own {
					own++
					require.NotNil(t, x.SSL)
					assert.False(t, *x.SSL)
				}
			}
			assert.Equal(t, 1, own)
			assert.NoError(t, snap.StatementsErr)
			assert.NoError(t, snap.TablesErr)
			assert.Len(t, snap.Tables, 2)
			assert.NoError(t, snap.DuplicateIndexesErr)
			require.Len(t, snap.DuplicateIndexes, 1)
			assert.Equal(t, []string{"child_v1", "child_v2"}, snap.DuplicateIndexes[0].Indexes)
			require.NoError(t, snap.UnindexedForeignKeysErr)
			require.Len(t, snap.UnindexedForeignKeys, 1)
			assert.Equal(t, []string{"parent_id"}, snap.UnindexedForeignKeys[0].Columns)
			assert.NoError(t, snap.IndexesErr)
			assert.Len(t, snap.Indexes, 4)
			assert.NoError(t, snap.ArchiverErr)
			assert.NoError(t, snap.SlotsErr)
			assert.NoError(t, snap.ReplayErr)
			assert.NotEmpty(t, snap.Databases)
			assert.Contains(t, snap.LoginRoles, "plain")
		})
	}
}

package snowflakewarehouse_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"

	sf "github.com/snowflakedb/gosnowflake"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/filelanding"
	"github.com/edqm/edqm/landing/memlanding"
	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
	"github.com/edqm/edqm/warehouse/duckdbwarehouse"
	"github.com/edqm/edqm/warehouse/snowflakewarehouse"
	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest"
	"github.com/edqm/edqm/warehouse/warehousetest"
)

// The live tests run against a real account when these are set (and
// SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH); CI has no account, so
// there they are skipped.
const (
	envAccount   = "SNOWFLAKE_ACCOUNT"
	envUser      = "SNOWFLAKE_USER"
	envDatabase  = "SNOWFLAKE_DATABASE"
	envWarehouse = "SNOWFLAKE_WAREHOUSE"
	envRole      = "SNOWFLAKE_ROLE"
)

// liveConfig returns the live account's configuration or, without one,
// the configuration of a Snowflake test server (package sftest) started
// for the test, so that the live tests run in every go test: through the
// real driver against the test server in CI, against Snowflake when an
// account is set.
func liveConfig(t *testing.T) *snowflakewarehouse.Config {
	t.Helper()
	cfg := &snowflakewarehouse.Config{
		Account: os.Getenv(envAccount), User: os.Getenv(envUser), Database: os.Getenv(envDatabase),
		Warehouse: os.Getenv(envWarehouse), Role: os.Getenv(envRole),
		Password: os.Getenv(snowflakewarehouse.EnvPassword), PrivateKeyPath: os.Getenv(snowflakewarehouse.EnvPrivateKeyPath),
	}
	if cfg.Account == "" || cfg.User == "" || cfg.Database == "" || (cfg.Password == "" && cfg.PrivateKeyPath == "") {
		t.Logf("no Snowflake account (%s, %s, %s and %s or %s): against the sftest test server",
			envAccount, envUser, envDatabase, snowflakewarehouse.EnvPassword, snowflakewarehouse.EnvPrivateKeyPath)
		srv := sftest.Start(t, &sftest.Options{Users: map[string]sftest.User{serverUser: {Password: serverPassword}}})
		return &snowflakewarehouse.Config{Account: srv.Account(), User: serverUser, Password: serverPassword, Database: "EDQM",
			Host: srv.Host(), Port: srv.Port(), Protocol: "http"}
	}
	return cfg
}

// liveAdmin opens a handle for creating and dropping test schemas.
func liveAdmin(t *testing.T, cfg *snowflakewarehouse.Config) *sql.DB {
	t.Helper()
	dc, err := cfg.DriverConfig()
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(sf.NewConnector(sf.SnowflakeDriver{}, *dc))
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// newLiveWarehouse opens a Warehouse on a new schema, dropped afterwards.
func newLiveWarehouse(t *testing.T, cfg *snowflakewarehouse.Config, admin *sql.DB) warehouse.Warehouse {
	t.Helper()
	ctx := t.Context()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "EDQM_TEST_" + strings.ToUpper(hex.EncodeToString(b[:]))
	qualified := fmt.Sprintf("%q.%q", strings.ToUpper(cfg.Database), schema)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+qualified); err != nil {
		t.Fatal(err)
	}
	// Background: t.Context() is cancelled before Cleanup functions run.
	t.Cleanup(func() { _, _ = admin.ExecContext(context.Background(), "DROP SCHEMA IF EXISTS "+qualified+" CASCADE") })
	c := *cfg
	c.Schema = schema
	w, err := snowflakewarehouse.Open(ctx, &c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}

func TestLiveConformance(t *testing.T) {
	cfg := liveConfig(t)
	admin := liveAdmin(t, cfg)
	newWarehouse := func(t *testing.T) warehouse.Warehouse { return newLiveWarehouse(t, cfg, admin) }
	t.Run("Streamed", func(t *testing.T) {
		warehousetest.RunConformanceTests(t, newWarehouse, func(t *testing.T) landing.Lander { return memlanding.New() })
	})
	t.Run("LocalFolder", func(t *testing.T) {
		warehousetest.RunConformanceTests(t, newWarehouse, func(t *testing.T) landing.Lander {
			l, err := filelanding.Open(t.Context(), t.TempDir(), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = l.Close() })
			return l
		})
	})
}

// modelFiles are two days of raw files with one error of each kind.
var modelFiles = map[string]map[string]string{
	"raw_customers": {"customers/date=2024-01-01/customers-2024-01-01.csv": "customer_id,name,email,signup_date,region\n" +
		"C1,Ann,ann@example.com,2024-01-01,EU\nC2,Bob,bob@example.com,2024-01-09,APAC\n"},
	"raw_products": {"products/date=2024-01-01/products-2024-01-01.csv": "product_id,product_name,category,price,stock_level\n" +
		"P1,Pen,Office,10.00,100\nP2,Lamp,Home,25.50,7\n"},
	"raw_orders": {
		"orders/date=2024-01-10/orders-2024-01-10.csv": "order_id,customer_id,product_id,quantity,total_amount,order_date,status\n" +
			"O1,C1,P1,2,20.00,2024-01-10,COMPLETED\nO2,C1,P2,2,60.00,2024-01-10,PENDING\nO3,C1,P1,1,10.00,2024-01-15,SHIPPED\n" +
			"O4,C2,P1,1,10.00,2024-01-05,COMPLETED\nO5,C99,P1,1,10.00,2024-01-10,COMPLETED\nO6,C1,P1,1,-10.00,2024-01-10,Shipped!\n" +
			"O7,C2,P1,3,30.00,2024-01-10,CANCELLED\nO7,C2,P1,3,30.00,2024-01-10,CANCELLED\n",
		"orders/date=2024-01-11/orders-2024-01-11.csv": "order_id,customer_id,product_id,quantity,total_amount,order_date,status\n" +
			"O8,C1,P2,1,25.50,2024-01-11,COMPLETED\nO1,C1,P1,2,20.00,2024-01-10,COMPLETED\n",
	},
}

// martRows builds the models day by day and returns the mart as text.
func martRows(t *testing.T, w warehouse.Warehouse) [][]string {
	t.Helper()
	ctx := t.Context()
	models, err := transform.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	p, err := transform.NewProject(models, nil)
	if err != nil {
		t.Fatal(err)
	}
	l := memlanding.New()
	for _, dayPart := range []string{"date=2024-01-0", "date=2024-01-10", "date=2024-01-11"} {
		for _, rt := range transform.RawTables {
			var keys []string
			for k, v := range modelFiles[rt.Name] {
				if strings.Contains(k, dayPart) {
					if err := l.Put(ctx, k, strings.NewReader(v)); err != nil {
						t.Fatal(err)
					}
					keys = append(keys, k)
				}
			}
			if _, err := w.Load(ctx, warehouse.LoadRequest{Table: rt.Name, Columns: rt.Columns, Source: l, Keys: keys}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := p.Run(ctx, w, &transform.RunOptions{Parallelism: 3}); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := w.Query(ctx, `SELECT CAST(batch_date AS VARCHAR), CAST(orders AS VARCHAR), CAST(flagged_orders AS VARCHAR),
	CAST(CAST(ROUND(raw_revenue * 100) AS BIGINT) AS VARCHAR), CAST(CAST(ROUND(clean_revenue * 100) AS BIGINT) AS VARCHAR),
	CAST(calculation_issues AS VARCHAR), CAST(temporal_issues AS VARCHAR), CAST(integrity_issues AS VARCHAR),
	CAST(domain_issues AS VARCHAR), CAST(duplication_issues AS VARCHAR)
FROM mart_daily_revenue ORDER BY batch_date`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		r := make([]string, 10)
		ptrs := make([]any, len(r))
		for i := range r {
			ptrs[i] = &r[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLiveModels runs the built-in models, incrementally, on Snowflake and
// on DuckDB from the same files: the marts must agree.
func TestLiveModels(t *testing.T) {
	cfg := liveConfig(t)
	sfw := newLiveWarehouse(t, cfg, liveAdmin(t, cfg))
	duck, err := duckdbwarehouse.Open(t.Context(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	want := martRows(t, duck)
	got := martRows(t, sfw)
	if fmt.Sprint(got) != fmt.Sprint(want) || len(want) != 2 {
		t.Errorf("Snowflake's mart:\n%v\nDuckDB's:\n%v", got, want)
	}
}

// TestModelsFixture runs the live model test's DuckDB half offline, so
// that the fixture and the comparison query stay valid without an account.
func TestModelsFixture(t *testing.T) {
	duck, err := duckdbwarehouse.Open(t.Context(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	got := fmt.Sprint(martRows(t, duck))
	// Day 1: 8 rows, all but O1 and the first O7 flagged; day 2: O8 clean,
	// O1 again a duplicate across days.
	want := "[[2024-01-10 8 6 16000 5000 1 2 1 1 1] [2024-01-11 2 1 4550 2550 0 0 0 0 1]]"
	if got != want {
		t.Errorf("mart = %s, want %s", got, want)
	}
}

// TestLiveAssumptions records what Snowflake answers for each behaviour
// the package documentation lists as assumed, and fails where the
// design's expectation is violated.
func TestLiveAssumptions(t *testing.T) {
	cfg := liveConfig(t)
	w := newLiveWarehouse(t, cfg, liveAdmin(t, cfg))
	ctx := t.Context()
	l := memlanding.New()
	key := "assume/date=2024-01-01/a.csv"
	// Line 3 is short, line 5 long, line 4 spans two lines.
	body := "order_id,status\nO1,A\nO2\n\"O3\nx\",B\nO4,C,extra\nO5,D\n"
	require.NoError(t, l.Put(ctx, key, strings.NewReader(body)))
	res, err := w.Load(ctx, warehouse.LoadRequest{Table: "raw_assume", Columns: []string{"order_id", "status"}, Source: l, Keys: []string{key}})
	require.NoError(t, err, "a load our design expects to pass")
	f := res.Files[0]
	t.Logf("COPY: parsed %d, loaded %d, rejected %d, first error %q on line %d", f.Parsed, f.Loaded, f.Rejected, f.FirstError, f.FirstErrorLine)
	assert.Equal(t, int64(3), f.Loaded, "rows with a wrong field count must be rejected (ERROR_ON_COLUMN_COUNT_MISMATCH)")
	rows, err := w.Query(ctx, `SELECT "_FILE", "_LINE", "ORDER_ID" FROM raw_assume ORDER BY "_LINE"`)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var file, id string
		var line int64
		require.NoError(t, rows.Scan(&file, &line, &id))
		t.Logf("row: _FILE %q _LINE %d order_id %q", file, line, id)
		assert.Equal(t, key, file)
	}
	require.NoError(t, rows.Err())
	var db *sql.DB
	require.True(t, w.(interface{ As(any) bool }).As(&db))
	var name string
	var number int64
	err = db.QueryRowContext(ctx, `SELECT METADATA$FILENAME, MIN(METADATA$FILE_ROW_NUMBER) FROM @EDQM_LANDING (FILE_FORMAT => 'EDQM_CSV') GROUP BY 1 LIMIT 1`).Scan(&name, &number)
	t.Logf("stage query after PURGE: METADATA$FILENAME %q, first METADATA$FILE_ROW_NUMBER %d (err %v)", name, number, err)
	rej, err := w.Query(ctx, `SELECT "LINE", "REASON", "RAW" FROM "_EDQM_REJECTS" WHERE "TABLE_NAME" = 'raw_assume' ORDER BY "LINE"`)
	require.NoError(t, err)
	defer rej.Close()
	n := 0
	for rej.Next() {
		var line int64
		var reason, raw string
		require.NoError(t, rej.Scan(&line, &reason, &raw))
		t.Logf("reject: line %d %q %q", line, reason, raw)
		n++
	}
	assert.Equal(t, 2, n, "every rejected row is kept")
}

package sfsql_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest/sfsql"
)

const goodCSV = "order_id,quantity,status\n1,2,SHIPPED\n2,1,PENDING\n"

func TestLoadMetadataSkipAndForce(t *testing.T) {
	now := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	_, s := newSession(t, sfsql.Options{Now: func() time.Time { return now }})
	setup(t, s, goodCSV)
	assert.Equal(t, "LOADED", values(exec(t, s, copyQ("FALSE", "FALSE")))[0][1])
	again := exec(t, s, copyQ("FALSE", "FALSE"))
	assert.Equal(t, [][]string{{"Copy executed with 0 files processed."}}, values(again))
	assert.Equal(t, "LOADED", values(exec(t, s, copyQ("TRUE", "FALSE")))[0][1])
	now = now.Add(65 * 24 * time.Hour)
	assert.Equal(t, "LOADED", values(exec(t, s, copyQ("FALSE", "FALSE")))[0][1], "load metadata expires after 64 days")
	assert.Equal(t, [][]string{{"6"}}, values(exec(t, s, `SELECT COUNT(*) FROM raw_orders`)))
}

func TestPurge(t *testing.T) {
	_, s := newSession(t, sfsql.Options{})
	up := setup(t, s, goodCSV)
	exec(t, s, copyQ("FALSE", "TRUE"))
	_, err := os.Stat(filepath.Join(up.StageDir, "a.csv"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Empty(t, exec(t, s, `LIST @EDQM_LANDING`).Rows)
}

func TestRollbackOfCopy(t *testing.T) {
	_, s := newSession(t, sfsql.Options{})
	setup(t, s, goodCSV)
	exec(t, s, "BEGIN")
	exec(t, s, copyQ("FALSE", "FALSE"))
	exec(t, s, `UPDATE "RAW_ORDERS" SET "_LINE" = "_LINE" + 1 WHERE "_FILE" IN ('orders/date=2024-01-01/a.csv')`)
	assert.Equal(t, [][]string{{"2"}}, values(exec(t, s, `SELECT COUNT(*) FROM raw_orders`)))
	exec(t, s, "ROLLBACK")
	assert.Equal(t, [][]string{{"0"}}, values(exec(t, s, `SELECT COUNT(*) FROM raw_orders`)))
	// No load metadata survives the rollback: the file loads again.
	assert.Equal(t, "LOADED", values(exec(t, s, copyQ("FALSE", "FALSE")))[0][1])
}

func TestDMLAndEncodings(t *testing.T) {
	_, s := newSession(t, sfsql.Options{})
	exec(t, s, `CREATE TABLE e (i NUMBER(38,0), n NUMBER(10,2), f FLOAT, b BOOLEAN, d DATE, ts TIMESTAMP_NTZ, tl TIMESTAMP_LTZ, tm TIME, s VARCHAR)`)
	r := exec(t, s, `INSERT INTO e VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sfsql.Binding{Type: "FIXED", Value: ptr("42")}, sfsql.Binding{Type: "TEXT", Value: ptr("-3.5")},
		sfsql.Binding{Type: "REAL", Value: ptr("0.25")}, sfsql.Binding{Type: "BOOLEAN", Value: ptr("true")},
		sfsql.Binding{Type: "DATE", Value: ptr("1704067200000")}, sfsql.Binding{Type: "TIMESTAMP_NTZ", Value: ptr("1704067200123456000")},
		sfsql.Binding{Type: "TIMESTAMP_LTZ", Value: ptr("1704067200000000000")}, sfsql.Binding{Type: "TIME", Value: ptr("3723000000000")},
		sfsql.Binding{Type: "TEXT", Value: nil})
	assert.Equal(t, sfsql.StatementInsert, r.StatementTypeID)
	assert.Equal(t, [][]string{{"1"}}, values(r))
	q := exec(t, s, `SELECT * FROM e`)
	assert.Equal(t, sfsql.StatementSelect, q.StatementTypeID)
	var types []string
	for _, c := range q.Columns {
		types = append(types, c.Type)
	}
	assert.Equal(t, []string{"fixed", "fixed", "real", "boolean", "date", "timestamp_ntz", "timestamp_ltz", "time", "text"}, types)
	assert.Equal(t, int64(2), q.Columns[1].Scale)
	assert.Equal(t, [][]string{{"42", "-3.50", "0.25", "1", "19723", "1704067200.123456000", "1704067200.000000000", "3723.000000000", "NULL"}}, values(q))
	u := exec(t, s, `UPDATE e SET s = 'x' WHERE i = 42`)
	assert.Equal(t, sfsql.StatementUpdate, u.StatementTypeID)
	assert.Equal(t, "1", values(u)[0][0])
	d := exec(t, s, `DELETE FROM e`)
	assert.Equal(t, [][]string{{"1"}}, values(d))
}

func TestPutUpload(t *testing.T) {
	dir := t.TempDir()
	_, s := newSession(t, sfsql.Options{Dir: dir})
	exec(t, s, `CREATE STAGE "EDQM"."RAW"."EDQM_LANDING"`)
	r := exec(t, s, `PUT 'file:///edqm-stream/a file.csv' '@EDQM_LANDING/it''s/' AUTO_COMPRESS = FALSE OVERWRITE = TRUE`)
	require.NotNil(t, r.Upload)
	assert.Equal(t, []string{"/edqm-stream/a file.csv"}, r.Upload.SourceLocations)
	assert.Equal(t, "it's", filepath.Base(r.Upload.StageDir))
	assert.True(t, filepath.IsAbs(r.Upload.StageDir))
	assert.False(t, r.Upload.AutoCompress)
	assert.True(t, r.Upload.Overwrite)
	d := exec(t, s, `PUT file:///tmp/x.csv @EDQM_LANDING`)
	assert.True(t, d.Upload.AutoCompress)
	assert.False(t, d.Upload.Overwrite)
	assert.Equal(t, 4, d.Upload.Parallel)
	_, err := s.Execute(t.Context(), `PUT file:///tmp/x.csv @NO_STAGE`, nil)
	assert.Equal(t, 2003, sqlCode(t, err))
}

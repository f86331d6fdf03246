package main

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edqm/edqm/landing/s3landing/s3test"
	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest"
)

const snowflakeTestPassword = "EDQMfullSnowflakeS3CRET"

// startSnowflake starts the Snowflake test server (reading S3 through s3
// when set) and points the program at it through the environment, as a
// user's SNOWFLAKE_* variables would.
func startSnowflake(t *testing.T, s3 *sftest.S3Options) *sftest.Server {
	t.Helper()
	srv := sftest.Start(t, &sftest.Options{
		Users: map[string]sftest.User{"EDQM": {Password: snowflakeTestPassword}},
		S3:    s3,
	})
	srv.SetEnv(t, snowflakeTestPassword)
	return srv
}

// TestSnowflakeReportEqualsDuckDB runs the program with -warehouse
// snowflake://… against the Snowflake test server, through the real
// gosnowflake driver: once with the local landing folder (files uploaded
// with PUT to the internal stage), once with an S3 landing on versitygw
// read through the external stage (s3= in the URL); and with -format
// parquet on the local folder (COPY INTO … MATCH_BY_COLUMN_NAME). The printed report
// (orders, revenue, Health Score, Revenue at Risk, the scorecard) must be
// the DuckDB default's for the same seed and days.
func TestSnowflakeReportEqualsDuckDB(t *testing.T) {
	args := []string{"-now", "2026-03-10", "-days", "20"}
	want := summary(t, mustRun(t, append([]string{"-data", t.TempDir()}, args...)...))
	for _, line := range []string{"Orders ", "Data Health Score", "Revenue at Risk"} {
		if !strings.Contains(want, line) {
			t.Fatalf("the DuckDB report lacks %q:\n%s", line, want)
		}
	}

	t.Run("LocalLanding", func(t *testing.T) {
		srv := startSnowflake(t, nil)
		whURL := srv.URL("EDQM", "EDQM", "RAW", "warehouse=EDQM_WH")
		out := mustRun(t, append([]string{"-data", t.TempDir(), "-warehouse", whURL}, args...)...)
		if !strings.Contains(out, "warehouse snowflake://") {
			t.Errorf("the run does not say it used Snowflake:\n%s", out)
		}
		if got := summary(t, out); got != want {
			t.Errorf("Snowflake (local landing) reports differently from DuckDB:\n%s\nvs DuckDB's\n%s", got, want)
		}
		if strings.Contains(out, snowflakeTestPassword) {
			t.Error("the output holds the password")
		}
	})

	t.Run("ParquetLocalLanding", func(t *testing.T) {
		srv := startSnowflake(t, nil)
		whURL := srv.URL("EDQM", "EDQM", "RAW", "warehouse=EDQM_WH")
		dir := t.TempDir()
		out := mustRun(t, append([]string{"-data", dir, "-warehouse", whURL, "-format", "parquet"}, args...)...)
		if got := summary(t, out); got != want {
			t.Errorf("Snowflake (Parquet files) reports differently from DuckDB (CSV):\n%s\nvs DuckDB's\n%s", got, want)
		}
		pq, err := filepath.Glob(filepath.Join(dir, "landing", "orders", "date=*", "*.parquet"))
		if err != nil || len(pq) != 20 {
			t.Errorf("%d Parquet orders files landed (%v), want 20", len(pq), err)
		}
	})

	t.Run("S3Landing", func(t *testing.T) {
		s3srv := s3test.ForTest(t)
		s3srv.SetEnv(t)
		bucket := s3srv.NewBucket(t)
		srv := startSnowflake(t, &sftest.S3Options{Endpoint: s3srv.Endpoint, Region: s3test.Region,
			AccessKeyID: s3srv.AccessKey, SecretAccessKey: s3srv.SecretKey})
		whURL := srv.URL("EDQM", "EDQM", "RAW", "warehouse=EDQM_WH&s3=s3://"+bucket+"/edqm/")
		out := mustRun(t, append([]string{"-data", t.TempDir(), "-landing", s3srv.URL(bucket, "edqm"), "-warehouse", whURL}, args...)...)
		if got := summary(t, out); got != want {
			t.Errorf("Snowflake (S3 landing, external stage) reports differently from DuckDB:\n%s\nvs DuckDB's\n%s", got, want)
		}
		// The files were read from S3 where they landed, not uploaded.
		if staged := listStaged(t, srv.StageDir()); len(staged) != 0 {
			t.Errorf("%d files were uploaded to an internal stage, want none: %v", len(staged), staged)
		}
	})
}

// listStaged lists the files under a stage folder.
func listStaged(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

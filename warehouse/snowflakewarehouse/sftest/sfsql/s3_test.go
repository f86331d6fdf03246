package sfsql_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/landing/s3landing/s3test"
	"github.com/edqm/edqm/warehouse/snowflakewarehouse/sftest/sfsql"
)

// TestExternalStage loads from an external stage on versitygw, under both
// readings of METADATA$FILENAME.
func TestExternalStage(t *testing.T) {
	srv, err := s3test.Start(t.Context())
	if errors.Is(err, s3test.ErrNotInstalled) && os.Getenv(s3test.RequireEnv) == "" {
		t.Skip("versitygw is not installed and EDQM_REQUIRE_S3 is unset: " + err.Error())
	}
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	c := srv.Client()
	_, err = c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("landing")})
	require.NoError(t, err)
	_, err = c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("landing"), Key: aws.String("prod/orders/date=2024-01-01/a.csv"),
		Body: strings.NewReader(goodCSV)})
	require.NoError(t, err)
	for _, full := range []bool{false, true} {
		opts := sfsql.Options{FilenameFullPath: full, S3: &sfsql.S3Options{
			Endpoint: srv.Endpoint, Region: s3test.Region, AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey}}
		_, s := newSession(t, opts)
		for _, q := range setupSQL {
			exec(t, s, q)
		}
		exec(t, s, `CREATE OR REPLACE STAGE "EDQM"."RAW"."EDQM_S3_LANDING" URL = 's3://landing/prod/' STORAGE_INTEGRATION = "EDQM_S3" COMMENT = 'x'`)
		r := exec(t, s, strings.Replace(copyQ("FALSE", "FALSE"), "@EDQM_LANDING", "@EDQM_S3_LANDING", 1))
		assert.Equal(t, []string{"s3://landing/prod/orders/date=2024-01-01/a.csv", "LOADED", "2", "2"}, values(r)[0][:4])
		want := "orders/date=2024-01-01/a.csv"
		if full {
			want = "prod/" + want
		}
		assert.Equal(t, [][]string{{want}}, values(exec(t, s, `SELECT DISTINCT "_FILE" FROM raw_orders`)))
		assert.Len(t, exec(t, s, `LIST @EDQM_S3_LANDING/orders/`).Rows, 1)
	}
}

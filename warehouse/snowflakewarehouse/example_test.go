package snowflakewarehouse_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/edqm/edqm/warehouse/snowflakewarehouse"
)

// The set-up statements an administrator runs once, printed instead of
// run: the whole script for a database EDQM, schema RAW, with the landing
// bucket read through a storage integration.
func ExampleSetupSQL() {
	stmts, err := snowflakewarehouse.SetupSQL(&snowflakewarehouse.Config{
		Database: "EDQM", Schema: "RAW", Role: "EDQM_LOADER",
		S3: &snowflakewarehouse.S3Stage{
			URL:        "s3://edqm-landing/prod/",
			AWSRoleARN: "arn:aws:iam::123456789012:role/edqm-snowflake",
		},
	}, snowflakewarehouse.SetupAll)
	if err != nil {
		panic(err)
	}
	for _, s := range stmts {
		words := strings.Fields(s.SQL)
		fmt.Println(strings.Join(words[:min(len(words), 6)], " "))
	}
	// Output:
	// CREATE DATABASE IF NOT EXISTS "EDQM"
	// CREATE SCHEMA IF NOT EXISTS "EDQM"."RAW"
	// CREATE STORAGE INTEGRATION IF NOT EXISTS
	// GRANT USAGE ON INTEGRATION "EDQM_S3" TO
	// CREATE FILE FORMAT IF NOT EXISTS
	// CREATE STAGE IF NOT EXISTS "EDQM"."RAW"."EDQM_LANDING"
	// CREATE STAGE IF NOT EXISTS "EDQM"."RAW"."EDQM_S3_LANDING"
	// CREATE TABLE IF NOT EXISTS "EDQM"."RAW"."_EDQM_LOADS"
	// CREATE TABLE IF NOT EXISTS "EDQM"."RAW"."_EDQM_REJECTS"
}

// A URL names the account, the user, the database and the schema; the
// credentials come from the environment (here a stand-in for os.Getenv).
func ExampleConfigFromURL() {
	url := "snowflake://EDQM_USER@myorg-myaccount/EDQM/RAW?warehouse=EDQM_WH&role=EDQM_LOADER"
	cfg, err := snowflakewarehouse.ConfigFromURL(url, func(name string) string {
		if name == snowflakewarehouse.EnvPrivateKeyPath {
			return "/etc/edqm/snowflake.p8"
		}
		return ""
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(cfg.Account, cfg.User, cfg.Database, cfg.Schema, cfg.Warehouse, cfg.Role, cfg.PrivateKeyPath)

	_, err = snowflakewarehouse.ConfigFromURL(url, func(string) string { return "" })
	fmt.Println(errors.Is(err, snowflakewarehouse.ErrNoCredentials))
	// Output:
	// myorg-myaccount EDQM_USER EDQM RAW EDQM_WH EDQM_LOADER /etc/edqm/snowflake.p8
	// true
}

package transform_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/edqm/edqm/transform"
	"github.com/edqm/edqm/warehouse"
)

// bad is a name that would add a statement if it were pasted into SQL.
const bad = "x; DROP TABLE y"

// TestIdentifiersAreRefused shows, entry point by entry point, that a
// name put into SQL that is not a plain identifier is refused with an
// error wrapping warehouse.ErrBadIdentifier that says what the name is
// for.
func TestIdentifiersAreRefused(t *testing.T) {
	view := "SELECT 1 AS id"
	for _, tc := range []struct {
		entry string
		run   func() error
		want  string // what the error must say
	}{
		{"ParseModel name", func() error {
			_, err := transform.ParseModel(bad, view)
			return err
		}, "model name"},
		{"NewProject model name", func() error {
			_, err := transform.NewProject([]*transform.Model{{Name: bad, SQL: view}}, nil)
			return err
		}, "model name"},
		{"ref", func() error {
			_, err := transform.ParseModel("m", `SELECT * FROM {{ ref "`+bad+`" }}`)
			return err
		}, "ref"},
		{"source table", func() error {
			_, err := transform.ParseModel("m", `SELECT * FROM {{ source "raw" "`+bad+`" }}`)
			return err
		}, "source"},
		{"source prefix", func() error {
			m, err := transform.ParseModel("m", `SELECT * FROM {{ source "ext" "orders" }}`)
			if err != nil {
				return err
			}
			_, err = transform.NewProject([]*transform.Model{m}, &transform.ProjectOptions{Sources: map[string]string{"ext": "x; DROP TABLE y; --"}})
			return err
		}, "source"},
		{"config incremental_key", func() error {
			_, err := transform.ParseModel("m", `{{ config "materialized" "incremental" }}{{ config "incremental_key" "`+bad+`" }}`+view)
			return err
		}, "incremental_key"},
		{"Model.IncrementalKey", func() error {
			_, err := transform.NewProject([]*transform.Model{{Name: "m", SQL: view, Materialized: transform.Incremental, IncrementalKey: bad}}, nil)
			return err
		}, "incremental_key"},
		{"LoadFS file name", func() error {
			_, err := transform.LoadFS(fstest.MapFS{"models/" + bad + ".sql": {Data: []byte(view)}}, "models")
			return err
		}, "model file"},
		{"batch_date in a model", func() error {
			_, err := transform.ParseModel("m", `SELECT {{ batch_date "o.`+bad+`" }} AS d`)
			return err
		}, "batch_date"},
	} {
		err := tc.run()
		if !errors.Is(err, warehouse.ErrBadIdentifier) {
			t.Errorf("%s: err = %v, want one wrapping ErrBadIdentifier", tc.entry, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: the error does not say %q: %v", tc.entry, tc.want, err)
		}
	}
}

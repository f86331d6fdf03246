package sfsql

import (
	"fmt"
	"strconv"
	"strings"
)

// duckType translates a Snowflake data type
// (https://docs.snowflake.com/en/sql-reference/intro-summary-data-types)
// to DuckDB's. NUMBER(p, 0) and the integer synonyms, all NUMBER(38, 0)
// in Snowflake, become BIGINT (assumed: 64-bit integers are enough for a
// test server); FLOAT and its synonyms are 64-bit in Snowflake, so DOUBLE;
// TIMESTAMP is TIMESTAMP_NTZ (the default TIMESTAMP_TYPE_MAPPING);
// semi-structured types are kept as JSON text in VARCHAR.
func duckType(name string, params []string) (string, error) {
	switch name {
	case "VARCHAR", "TEXT", "STRING", "CHAR", "CHARACTER", "NCHAR", "NVARCHAR", "NVARCHAR2", "CHAR_VARYING",
		"NCHAR_VARYING", "VARIANT", "OBJECT", "ARRAY":
		return "VARCHAR", nil
	case "NUMBER", "NUMERIC", "DECIMAL", "DEC":
		return numberType(params)
	case "INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "BYTEINT":
		return "BIGINT", nil
	case "FLOAT", "FLOAT4", "FLOAT8", "DOUBLE", "REAL", "DOUBLE PRECISION":
		return "DOUBLE", nil
	case "BOOLEAN":
		return "BOOLEAN", nil
	case "DATE":
		return "DATE", nil
	case "TIME":
		return "TIME", nil
	case "TIMESTAMP", "TIMESTAMP_NTZ", "DATETIME", "TIMESTAMPNTZ":
		return "TIMESTAMP", nil
	case "TIMESTAMP_LTZ", "TIMESTAMP_TZ", "TIMESTAMPLTZ", "TIMESTAMPTZ":
		return "TIMESTAMPTZ", nil
	case "BINARY", "VARBINARY":
		return "BLOB", nil
	}
	return "", fmt.Errorf("unknown type %s", name)
}

// numberType is NUMBER(p, s): BIGINT when the scale is 0, DECIMAL(p, s)
// otherwise (DuckDB's DECIMAL holds up to 38 digits, as NUMBER does).
func numberType(params []string) (string, error) {
	p, s := 38, 0
	var err error
	if len(params) > 0 {
		if p, err = strconv.Atoi(params[0]); err != nil || p < 1 || p > 38 {
			return "", fmt.Errorf("bad precision %q", params[0])
		}
	}
	if len(params) > 1 {
		if s, err = strconv.Atoi(params[1]); err != nil || s < 0 || s > p {
			return "", fmt.Errorf("bad scale %q", params[1])
		}
	}
	if s == 0 {
		return "BIGINT", nil
	}
	return fmt.Sprintf("DECIMAL(%d, %d)", p, s), nil
}

// rowType gives the Snowflake rowtype of a DuckDB column type name (as
// database/sql's DatabaseTypeName reports it), with its precision, scale
// and length; results report types as Snowflake's rowtype metadata does
// (gosnowflake query.go execResponseRowType).
func rowType(duck string, precision, scale int64) Column {
	switch {
	case duck == "VARCHAR" || duck == "UUID" || duck == "INTERVAL" || duck == "ENUM":
		return Column{Type: "text", Length: 16777216}
	case duck == "BOOLEAN":
		return Column{Type: "boolean"}
	case strings.HasPrefix(duck, "DECIMAL"):
		// DatabaseTypeName may carry the size: DECIMAL(10,2).
		_, _ = fmt.Sscanf(duck, "DECIMAL(%d,%d)", &precision, &scale)
		return Column{Type: "fixed", Precision: precision, Scale: scale}
	case strings.Contains(duck, "INT"):
		return Column{Type: "fixed", Precision: 38}
	case duck == "FLOAT" || duck == "DOUBLE":
		return Column{Type: "real"}
	case duck == "DATE":
		return Column{Type: "date"}
	case duck == "TIME" || duck == "TIMETZ":
		return Column{Type: "time", Scale: 9}
	case duck == "TIMESTAMPTZ":
		return Column{Type: "timestamp_ltz", Scale: 9}
	case strings.HasPrefix(duck, "TIMESTAMP"):
		return Column{Type: "timestamp_ntz", Scale: 9}
	case duck == "BLOB":
		return Column{Type: "binary", Length: 8388608}
	}
	return Column{Type: "variant"}
}

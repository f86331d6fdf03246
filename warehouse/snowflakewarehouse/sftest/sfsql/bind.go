package sfsql

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// bind replaces the ? placeholders with the bound values as literals, in
// order. The values are as gosnowflake sends them (converter.go
// valueToString and timeTypeValueToString): DATE as milliseconds since the
// epoch, TIME as nanoseconds since midnight, TIMESTAMP_* as nanoseconds
// since the epoch (TIMESTAMP_TZ followed by " offset", minutes + 1440),
// BINARY as hex, BOOLEAN as true/false.
func bind(q string, toks []token, bindings []Binding) ([]token, error) {
	n := 0
	out := make([]token, len(toks))
	for i, t := range toks {
		out[i] = t
		if t.kind != tokParam {
			continue
		}
		if n >= len(bindings) {
			return nil, compileError(2049, "42601", "Bind variable ? not set.")
		}
		lit, err := bindLiteral(bindings[n])
		if err != nil {
			return nil, execError(2, "22000", "bind variable %d: %v", n+1, err)
		}
		out[i] = token{kind: lit.kind, text: lit.text, raw: t.raw, pos: t.pos}
		n++
	}
	_ = q
	return out, nil
}

// bindLiteral is the token of one bound value.
func bindLiteral(b Binding) (token, error) {
	if b.Value == nil {
		return token{kind: tokWord, text: "NULL"}, nil
	}
	v := *b.Value
	switch strings.ToUpper(b.Type) {
	case "FIXED", "REAL":
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return token{}, err
		}
		if strings.ContainsAny(v, "nN") { // NaN, Inf
			return raw("CAST("+quoteLiteral(v)+" AS DOUBLE)", 0), nil
		}
		return raw("("+v+")", 0), nil
	case "BOOLEAN":
		bv, err := strconv.ParseBool(v)
		if err != nil {
			return token{}, err
		}
		return token{kind: tokWord, text: strings.ToUpper(strconv.FormatBool(bv))}, nil
	case "DATE":
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return token{}, err
		}
		return raw("DATE '"+time.UnixMilli(ms).UTC().Format(time.DateOnly)+"'", 0), nil
	case "TIME":
		ns, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return token{}, err
		}
		return raw("TIME '"+time.Unix(0, ns).UTC().Format("15:04:05.999999")+"'", 0), nil
	case "TIMESTAMP_NTZ", "TIMESTAMP_LTZ", "TIMESTAMP_TZ":
		return timestampLiteral(strings.ToUpper(b.Type), v)
	case "BINARY":
		if _, err := hex.DecodeString(v); err != nil {
			return token{}, err
		}
		return raw("from_hex("+quoteLiteral(v)+")", 0), nil
	}
	return token{kind: tokString, text: v}, nil
}

// timestampLiteral is a TIMESTAMP (NTZ) or TIMESTAMPTZ literal from
// nanoseconds since the epoch.
func timestampLiteral(typ, v string) (token, error) {
	fields := strings.Fields(v)
	if len(fields) == 0 {
		return token{}, strconv.ErrSyntax
	}
	ns, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil {
		return token{}, err
	}
	t := time.Unix(0, ns).UTC()
	const layout = "2006-01-02 15:04:05.999999"
	if typ == "TIMESTAMP_NTZ" {
		return raw("TIMESTAMP '"+t.Format(layout)+"'", 0), nil
	}
	return raw("TIMESTAMPTZ '"+t.Format(layout)+"+00'", 0), nil
}

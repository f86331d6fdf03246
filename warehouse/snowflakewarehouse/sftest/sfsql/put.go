package sfsql

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// put runs PUT file://<path> @stage[/path] [options]
// (https://docs.snowflake.com/en/sql-reference/sql/put): the driver
// copies the files itself (gosnowflake file_transfer_agent.go parses the
// local path), so the engine resolves the target folder and the options
// AUTO_COMPRESS (default TRUE), SOURCE_COMPRESSION (AUTO_DETECT),
// PARALLEL (4) and OVERWRITE (FALSE). Only internal stages take PUT.
func (s *Session) put(_ context.Context, st *stmt) (*Result, error) {
	src, rest, err := putOperand(st.sql, skipWord(st.sql, "PUT"))
	if err != nil {
		return nil, err
	}
	target, rest, err := putOperand(st.sql, rest)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(target, "@") {
		return nil, syntaxError(st.sql, len(st.sql)-len(rest), "unexpected '"+target+"'")
	}
	sg, dir, err := s.stageRef(target[1:])
	if err != nil {
		return nil, err
	}
	if sg.bucket != "" {
		return nil, execError(codeNotSupported, "0A000", "PUT to the external stage %s is not supported", sg.name)
	}
	up := &Upload{
		SourceLocations: []string{strings.TrimPrefix(src, "file://")},
		StageDir:        filepath.Join(sg.dir, filepath.FromSlash(cleanPath(dir, ""))),
		AutoCompress:    true, SourceCompression: "AUTO_DETECT", Parallel: 4,
	}
	if err := putOptions(st.sql, rest, up); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(up.StageDir, 0o755); err != nil {
		return nil, fmt.Errorf("sfsql: stage folder: %w", err)
	}
	return &Result{StatementTypeID: StatementDDL, Upload: up}, nil
}

// skipWord returns q after its leading word w and white space.
func skipWord(q, w string) string {
	q = strings.TrimLeft(q, " \t\r\n")
	if len(q) >= len(w) && strings.EqualFold(q[:len(w)], w) {
		q = q[len(w):]
	}
	return q
}

// putOperand reads a PUT operand: a '…' string or a run of non-space
// characters. PUT is read from the text, since file:///x is no SQL token.
func putOperand(q, rest string) (string, string, error) {
	rest = strings.TrimLeft(rest, " \t\r\n")
	if rest == "" {
		return "", "", syntaxError(q, len(q), "unexpected end of statement")
	}
	if rest[0] == '\'' {
		t, n, err := lexString(rest, 0)
		if err != nil {
			return "", "", err
		}
		return t.text, rest[n:], nil
	}
	n := strings.IndexAny(rest, " \t\r\n;")
	if n < 0 {
		n = len(rest)
	}
	return rest[:n], rest[n:], nil
}

// putOptions reads PUT's KEY = value options.
func putOptions(q, rest string, up *Upload) error {
	toks, err := lex(rest)
	if err != nil {
		return err
	}
	p := &parser{st: &stmt{sql: q, sig: significant(toks)}}
	for !p.done() && !p.peek().isPunct(";") {
		key := p.next()
		p.punct("=")
		v, _, err := p.value()
		if err != nil {
			return err
		}
		switch key.text {
		case "AUTO_COMPRESS":
			up.AutoCompress, err = strconv.ParseBool(v)
		case "OVERWRITE":
			up.Overwrite, err = strconv.ParseBool(v)
		case "SOURCE_COMPRESSION":
			up.SourceCompression = upper(v)
		case "PARALLEL":
			up.Parallel, err = strconv.Atoi(v)
		default:
			return unexpected(q, key)
		}
		if err != nil {
			return compileError(codeSyntax, "42000", "invalid value [%s] for parameter '%s'", v, key.text)
		}
	}
	return nil
}

package sfsql

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math"
	"strings"
)

// fileLoad is the state of loading one file.
type fileLoad struct {
	s       *Session
	o       *copyOptions
	cols    []tableColumn
	table   string
	file    stageFile
	name    string // the file as COPY's result and VALIDATE name it
	sources []int  // per table column: field index, -1 NULL, -2 metadata
	meta    map[int]string
	want    int // the number of fields a record must have
	header  int // header lines before the data
	rows    [][]string
	rejects []rejected
	parsed  int64
}

// loadFile parses and converts one staged file.
func (s *Session) loadFile(ctx context.Context, o *copyOptions, cols []tableColumn, table string, f stageFile) (fileResult, [][]string, []rejected, error) {
	data, err := s.readFile(ctx, o.stage, f.path)
	if err != nil {
		return fileResult{}, nil, nil, err
	}
	if data, err = decompress(data, o.format.Compression); err != nil {
		return fileResult{}, nil, nil, execError(100075, "22000", "Invalid data encountered during decompression for file: '%s', compression type used: 'GZIP', cause: '%v'", f.path, err)
	}
	if o.format.Type == "PARQUET" {
		return s.loadParquet(ctx, o, cols, table, f, data)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	l := &fileLoad{s: s, o: o, cols: cols, table: table, file: f, name: displayName(o.stage, f.path)}
	p := &csvParser{f: o.format, data: string(data), line: 1, bareQuoteErr: s.e.opts.BareQuoteRejected}
	if err := l.readHeader(p); err != nil {
		return fileResult{}, nil, nil, err
	}
	for {
		rec, ok := p.next()
		if !ok {
			break
		}
		if rec.text == "" && len(rec.fields) == 1 && o.format.SkipBlankLines {
			continue
		}
		l.parsed++
		l.record(rec)
	}
	return l.result(), l.rows, l.rejects, nil
}

// decompress gunzips data that starts with gzip's magic number, with
// COMPRESSION = AUTO or GZIP (files PUT with AUTO_COMPRESS are gzip).
func decompress(data []byte, compression string) ([]byte, error) {
	if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) || (compression != "AUTO" && compression != "GZIP") {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return out, nil
}

// readHeader reads PARSE_HEADER's names or skips SKIP_HEADER lines, and
// maps the table's columns to fields and metadata.
func (l *fileLoad) readHeader(p *csvParser) error {
	f := l.o.format
	var names []string
	if f.ParseHeader {
		rec, ok := p.next()
		if ok {
			for _, fld := range rec.fields {
				names = append(names, fld.value)
			}
		}
		l.header = 1
	} else {
		for i := 0; i < f.SkipHeader; i++ {
			p.next()
		}
		l.header = f.SkipHeader
	}
	if l.o.match != "" && !f.ParseHeader {
		return compileError(codeNotSupported, "0A000", "MATCH_BY_COLUMN_NAME for CSV needs PARSE_HEADER = TRUE in the file format")
	}
	if len(l.o.metadata) > 0 && l.o.match == "" {
		return compileError(codeNotSupported, "0A000", "INCLUDE_METADATA requires MATCH_BY_COLUMN_NAME")
	}
	l.mapColumns(names)
	return nil
}

// mapColumns decides where each table column's value comes from: the
// header's field of the same name with MATCH_BY_COLUMN_NAME (columns
// without one are NULL), the next field in order otherwise; then
// INCLUDE_METADATA's columns.
func (l *fileLoad) mapColumns(names []string) {
	l.sources = make([]int, len(l.cols))
	l.meta = map[int]string{}
	targets := l.o.columns
	for i, c := range l.cols {
		l.sources[i] = -1
		switch {
		case l.o.match != "":
			for j, n := range names {
				if n == c.name || l.o.match == "CASE_INSENSITIVE" && strings.EqualFold(n, c.name) {
					l.sources[i] = j
				}
			}
		case targets == nil:
			l.sources[i] = i
		default:
			for j, t := range targets {
				if t == c.name {
					l.sources[i] = j
				}
			}
		}
		for _, m := range l.o.metadata {
			if m.column == c.name || strings.EqualFold(m.column, c.name) {
				l.sources[i], l.meta[i] = -2, m.source
			}
		}
	}
	switch {
	case l.o.match != "":
		l.want = len(names)
	case targets != nil:
		l.want = len(targets)
	default:
		l.want = len(l.cols)
	}
}

// record converts one record into a row or a rejection.
func (l *fileLoad) record(rec csvRecord) {
	if rec.errMsg != "" {
		l.reject(rec, rec.errMsg, rec.errCode, "22000", "parsing", rec.errChar, rec.errColumn)
		return
	}
	if l.o.format.ErrorOnColumnCountMismatch && len(rec.fields) != l.want {
		// Snowflake's wording; the column named is the first missing one,
		// or the last for a long record (assumed).
		l.reject(rec, fmt.Sprintf("Number of columns in file (%d) does not match that of the corresponding table (%d), use file format option error_on_column_count_mismatch=false to ignore this error",
			len(rec.fields), l.want), 100080, "22000", "parsing", len([]rune(rec.text))+1, min(len(rec.fields)+1, l.want))
		return
	}
	row := make([]string, len(l.cols))
	for i, c := range l.cols {
		var v *string
		switch src := l.sources[i]; {
		case src == -2:
			row[i] = l.metadata(l.meta[i])
			continue
		case src >= 0 && src < len(rec.fields):
			v = l.o.format.value(rec.fields[src])
		}
		lit, cerr := convertValue(v, c)
		if cerr != nil {
			l.reject(rec, cerr.msg, cerr.code, cerr.state, "conversion", 1, l.sources[i]+1)
			return
		}
		row[i] = lit
	}
	l.rows = append(l.rows, row)
}

// reject records an error of the record.
func (l *fileLoad) reject(rec csvRecord, msg string, code int, state, category string, char, column int) {
	colName := ""
	if column >= 1 && column <= len(l.cols) {
		name := l.cols[column-1].name
		for i, src := range l.sources {
			if src == column-1 {
				name = l.cols[i].name
			}
		}
		colName = fmt.Sprintf(`"%s"["%s":%d]`, lastPart(l.table), name, column)
	}
	l.rejects = append(l.rejects, rejected{
		err: msg, file: l.name, category: category, sqlState: state, column: colName, record: rec.text,
		line: int64(rec.line), char: int64(char), byteOffset: int64(rec.offset), rowNumber: l.parsed,
		rowStart: int64(rec.line), code: code,
	})
}

// metadata is the SQL literal of a METADATA$ column for the current
// record (https://docs.snowflake.com/en/user-guide/querying-metadata).
func (l *fileLoad) metadata(src string) string {
	e := l.s.e
	switch src {
	case "METADATA$FILENAME":
		name := l.file.path
		if e.opts.FilenameFullPath && l.o.stage.bucket != "" {
			name = l.o.stage.prefix + name
		}
		return quoteLiteral(name)
	case "METADATA$FILE_ROW_NUMBER":
		n := l.parsed
		if e.opts.FileRowNumberCountsHeader {
			n += int64(l.header)
		}
		return itoa(n)
	case "METADATA$FILE_LAST_MODIFIED":
		return "TIMESTAMP '" + l.file.modified.UTC().Format("2006-01-02 15:04:05.999999") + "'"
	case "METADATA$FILE_CONTENT_KEY":
		return quoteLiteral(l.file.md5)
	}
	return "TIMESTAMPTZ '" + e.now().UTC().Format("2006-01-02 15:04:05.999999") + "+00'"
}

// result is the file's row of COPY's result, with ON_ERROR applied:
// SKIP_FILE fails the file when its errors reach the limit; CONTINUE
// loads the good rows. error_limit is the limit ON_ERROR sets (the rows
// parsed for CONTINUE: assumed).
func (l *fileLoad) result() fileResult {
	fr := fileResult{name: l.name, parsed: l.parsed, loaded: int64(len(l.rows)), errorSeen: int64(len(l.rejects)), limit: 1}
	if len(l.rejects) > 0 {
		fr.first = &l.rejects[0]
	}
	switch l.o.onError {
	case "CONTINUE":
		fr.limit = l.parsed
	case "SKIP_FILE":
		fr.limit = int64(l.o.skipN)
		if l.o.skipPct {
			fr.limit = int64(math.Ceil(float64(l.parsed) * l.o.skipN / 100))
		}
		if fr.errorSeen >= max(fr.limit, 1) {
			fr.loaded = 0
		}
	}
	switch {
	case fr.errorSeen == 0:
		fr.status = "LOADED"
	case fr.loaded == 0:
		fr.status = "LOAD_FAILED"
	default:
		fr.status = "PARTIALLY_LOADED"
	}
	return fr
}

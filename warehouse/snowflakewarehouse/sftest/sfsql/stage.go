package sfsql

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// stage is a named stage: internal (a folder under Options.Dir) or
// external (an S3 URL read through Options.S3).
type stage struct {
	name   string // DB.SCHEMA.NAME
	dir    string // internal: the folder
	bucket string // external: the bucket
	prefix string // external: the key prefix, "" or ending in /
	format *fileFormat
}

// stageFile is a file in a stage.
type stageFile struct {
	path     string // relative to the stage's root
	size     int64
	md5      string
	modified time.Time
}

// createStage runs CREATE [OR REPLACE] [TEMPORARY] STAGE [IF NOT EXISTS]
// name [URL = 's3://bucket/prefix/'] [STORAGE_INTEGRATION = x]
// [CREDENTIALS = (…)] [FILE_FORMAT = (…)] [COMMENT = '…']
// (https://docs.snowflake.com/en/sql-reference/sql/create-stage).
func (s *Session) createStage(_ context.Context, st *stmt) (*Result, error) {
	p := &parser{st: st}
	p.skipCreate("STAGE")
	ifNotExists := p.ifNotExists()
	name, err := s.qualify(p)
	if err != nil {
		return nil, err
	}
	sg := &stage{name: name}
	for !p.done() {
		key := p.next()
		p.punct("=")
		if err := s.stageOption(p, sg, key); err != nil {
			return nil, err
		}
	}
	if sg.bucket == "" {
		sg.dir = filepath.Join(s.e.opts.Dir, url.PathEscape(name))
		if err := os.MkdirAll(sg.dir, 0o755); err != nil {
			return nil, fmt.Errorf("sfsql: stage folder: %w", err)
		}
	}
	e := s.e
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, exists := e.stages[name]; exists {
		if ifNotExists {
			return statusResult(lastPart(name) + " already exists, statement succeeded."), nil
		}
		if !st.sig[1].is("OR") {
			return nil, compileError(codeAlreadyExists, "42710", "Object '%s' already exists.", lastPart(name))
		}
	}
	e.stages[name] = sg
	return statusResult("Stage area " + lastPart(name) + " successfully created."), nil
}

// stageOption reads one CREATE STAGE option.
func (s *Session) stageOption(p *parser, sg *stage, key token) error {
	switch key.text {
	case "URL":
		v, _, err := p.value()
		if err != nil {
			return err
		}
		u, err := url.Parse(v)
		if err != nil || u.Scheme != "s3" || u.Host == "" {
			return compileError(codeNotSupported, "0A000", "the test server reads external stages from s3:// URLs only, not %q", v)
		}
		sg.bucket, sg.prefix = u.Host, strings.TrimPrefix(u.Path, "/")
		if sg.prefix != "" && !strings.HasSuffix(sg.prefix, "/") {
			sg.prefix += "/"
		}
	case "FILE_FORMAT":
		f := defaultFormat()
		if !p.punct("(") {
			return p.unexpected()
		}
		if p.word("FORMAT_NAME") {
			p.punct("=")
			parts, err := p.objectName()
			if err != nil {
				return err
			}
			if f, err = s.lookupFormat(parts); err != nil {
				return err
			}
		} else if err := p.formatOptions(f, ")"); err != nil {
			return err
		}
		p.punct(")")
		sg.format = f
	default:
		// STORAGE_INTEGRATION, CREDENTIALS, ENCRYPTION, COMMENT, DIRECTORY…
		// are accepted: the test server's S3 access is Options.S3.
		if _, _, err := p.value(); err != nil {
			return err
		}
	}
	return nil
}

// dropStage runs DROP STAGE [IF EXISTS] name; an internal stage's files
// are deleted.
func (s *Session) dropStage(_ context.Context, st *stmt) (*Result, error) {
	p := &parser{st: st, i: 2}
	ifExists := p.ifExists()
	name, err := s.qualify(p)
	if err != nil {
		return nil, err
	}
	s.e.mu.Lock()
	sg, ok := s.e.stages[name]
	delete(s.e.stages, name)
	s.e.mu.Unlock()
	if !ok && !ifExists {
		return nil, notExist("Stage", name)
	}
	if ok && sg.dir != "" {
		if err := os.RemoveAll(sg.dir); err != nil {
			return nil, fmt.Errorf("sfsql: drop stage: %w", err)
		}
	}
	return statusResult(lastPart(name) + " successfully dropped."), nil
}

// stageRef resolves a stage reference (without @): name[/path], the name
// of one to three dotted parts, quoted or not. The path keeps its case.
func (s *Session) stageRef(ref string) (*stage, string, error) {
	var parts []string
	i, cur := 0, strings.Builder{}
	for ; i < len(ref); i++ {
		c := ref[i]
		switch {
		case c == '"':
			j := strings.IndexByte(ref[i+1:], '"')
			if j < 0 {
				return nil, "", compileError(codeSyntax, "42000", "syntax error: unterminated stage name '%s'", ref)
			}
			cur.WriteString(ref[i+1 : i+1+j])
			i += j + 1
			continue
		case c == '.':
			parts = append(parts, cur.String())
			cur.Reset()
			continue
		case c == '/':
		default:
			cur.WriteString(upper(string(c)))
			continue
		}
		break
	}
	parts = append(parts, cur.String())
	p := strings.TrimPrefix(ref[min(i, len(ref)):], "/")
	if len(parts) > 3 || parts[len(parts)-1] == "" {
		return nil, "", compileError(codeSyntax, "42000", "syntax error: bad stage '%s'", ref)
	}
	name := s.qualifyParts(parts)
	s.e.mu.Lock()
	sg, ok := s.e.stages[name]
	s.e.mu.Unlock()
	if !ok {
		return nil, "", notExist("Stage", name)
	}
	return sg, p, nil
}

// listFiles lists the stage's files under prefix (a path relative to the
// stage root), matching pattern when set.
func (s *Session) listFiles(ctx context.Context, sg *stage, prefix string, pattern *regexp.Regexp) ([]stageFile, error) {
	var files []stageFile
	var err error
	if sg.bucket != "" {
		if s.e.s3 == nil {
			return nil, execError(codeNotSupported, "0A000", "external stage %s: the test server has no S3 options", sg.name)
		}
		files, err = s.e.s3.list(ctx, sg, prefix)
	} else {
		files, err = listDir(sg.dir, prefix)
	}
	if err != nil {
		return nil, err
	}
	out := files[:0]
	for _, f := range files {
		if pattern == nil || pattern.MatchString(f.path) {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, nil
}

// listDir lists an internal stage's files under prefix.
func listDir(dir, prefix string) ([]stageFile, error) {
	var out []stageFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if !strings.HasPrefix(rel, prefix) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := md5.Sum(data)
		out = append(out, stageFile{path: rel, size: info.Size(), md5: hex.EncodeToString(sum[:]), modified: info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sfsql: list stage: %w", err)
	}
	return out, nil
}

// readFile reads a staged file.
func (s *Session) readFile(ctx context.Context, sg *stage, p string) ([]byte, error) {
	if sg.bucket != "" {
		return s.e.s3.read(ctx, sg, p)
	}
	data, err := os.ReadFile(filepath.Join(sg.dir, filepath.FromSlash(p)))
	if err != nil {
		return nil, fmt.Errorf("sfsql: read staged file: %w", err)
	}
	return data, nil
}

// removeFile deletes a staged file.
func (s *Session) removeFile(ctx context.Context, sg *stage, p string) error {
	if sg.bucket != "" {
		return s.e.s3.remove(ctx, sg, p)
	}
	if err := os.Remove(filepath.Join(sg.dir, filepath.FromSlash(p))); err != nil {
		return fmt.Errorf("sfsql: remove staged file: %w", err)
	}
	return nil
}

// displayName is a file's name as LIST shows it: the lower-case stage
// name and the path for an internal stage, the URL for an external one
// (https://docs.snowflake.com/en/sql-reference/sql/list).
func displayName(sg *stage, p string) string {
	if sg.bucket != "" {
		return "s3://" + sg.bucket + "/" + sg.prefix + p
	}
	return strings.ToLower(lastPart(sg.name)) + "/" + p
}

// patternOption reads PATTERN = 'regex' (the whole path must match, as
// in Snowflake: assumed from the examples' '.*' wrapping).
func patternOption(p *parser) (*regexp.Regexp, error) {
	if !p.word("PATTERN") {
		return nil, nil
	}
	p.punct("=")
	v, _, err := p.value()
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile("^(?:" + v + ")$")
	if err != nil {
		return nil, compileError(codeSyntax, "42000", "invalid pattern '%s': %v", v, err)
	}
	return re, nil
}

// stageFiles reads the @stage[/path] [PATTERN = '…'] of LIST and REMOVE
// and returns the stage and its files that match.
func (s *Session) stageFiles(ctx context.Context, st *stmt) (*stage, []stageFile, error) {
	p := &parser{st: st, i: 1}
	ref := p.next()
	if ref.kind != tokStage {
		return nil, nil, unexpected(st.sql, ref)
	}
	sg, prefix, err := s.stageRef(ref.text)
	if err != nil {
		return nil, nil, err
	}
	re, err := patternOption(p)
	if err != nil {
		return nil, nil, err
	}
	files, err := s.listFiles(ctx, sg, prefix, re)
	return sg, files, err
}

// list runs LIST @stage[/path] [PATTERN = '…']: name, size, md5,
// last_modified.
func (s *Session) list(ctx context.Context, st *stmt) (*Result, error) {
	sg, files, err := s.stageFiles(ctx, st)
	if err != nil {
		return nil, err
	}
	res := &Result{StatementTypeID: StatementSelect, Columns: []Column{
		{Name: "name", Type: "text", Length: 16777216}, {Name: "size", Type: "fixed", Precision: 38},
		{Name: "md5", Type: "text", Length: 16777216, Nullable: true}, {Name: "last_modified", Type: "text", Length: 16777216},
	}}
	for _, f := range files {
		res.Rows = append(res.Rows, strs(displayName(sg, f.path), strconv.FormatInt(f.size, 10), f.md5,
			f.modified.UTC().Format(time.RFC1123)))
	}
	return res, nil
}

// remove runs REMOVE @stage[/path] [PATTERN = '…']: name, result
// (https://docs.snowflake.com/en/sql-reference/sql/remove).
func (s *Session) remove(ctx context.Context, st *stmt) (*Result, error) {
	sg, files, err := s.stageFiles(ctx, st)
	if err != nil {
		return nil, err
	}
	res := &Result{StatementTypeID: StatementSelect, Columns: []Column{
		{Name: "name", Type: "text", Length: 16777216}, {Name: "result", Type: "text", Length: 16777216},
	}}
	for _, f := range files {
		if err := s.removeFile(ctx, sg, f.path); err != nil {
			return nil, err
		}
		res.Rows = append(res.Rows, strs(displayName(sg, f.path), "removed"))
	}
	return res, nil
}

// strs makes a result row of non-NULL values.
func strs(vals ...string) []*string {
	row := make([]*string, len(vals))
	for i := range vals {
		row[i] = &vals[i]
	}
	return row
}

// cleanPath joins a stage path and a file name the way stage paths
// combine: slashes collapsed, no leading slash.
func cleanPath(dir, name string) string {
	p := path.Clean("/" + dir + "/" + name)
	return strings.TrimPrefix(p, "/")
}

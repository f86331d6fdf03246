package sftest

import (
	"cmp"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// rowType describes a result column (gosnowflake query.go
// execResponseRowType; database, schema, table and byteLength as in
// test_data/wiremock/mappings/select1.json).
type rowType struct {
	Name       string `json:"name"`
	Database   string `json:"database"`
	Schema     string `json:"schema"`
	Table      string `json:"table"`
	Type       string `json:"type"`
	Precision  int64  `json:"precision"`
	Scale      int64  `json:"scale"`
	Length     int64  `json:"length"`
	ByteLength int64  `json:"byteLength"`
	Nullable   bool   `json:"nullable"`
}

// finalNames are the session's names after a statement (gosnowflake
// query.go execResponseData; connection.go exec copies the non-empty ones
// into its configuration).
type finalNames struct {
	FinalDatabaseName  *string `json:"finalDatabaseName"`
	FinalSchemaName    *string `json:"finalSchemaName"`
	FinalWarehouseName *string `json:"finalWarehouseName"`
	FinalRoleName      *string `json:"finalRoleName"`
}

// resultData is the data of a statement's answer in the JSON result
// format (gosnowflake query.go execResponseData, select1.json).
type resultData struct {
	Parameters        []nameValue `json:"parameters"`
	RowType           []rowType   `json:"rowtype"`
	RowSet            [][]*string `json:"rowset"`
	Total             int64       `json:"total"`
	Returned          int64       `json:"returned"`
	QueryID           string      `json:"queryId"`
	DatabaseProvider  *string     `json:"databaseProvider"`
	NumberOfBinds     int         `json:"numberOfBinds"`
	StatementTypeID   int64       `json:"statementTypeId"`
	Version           int64       `json:"version"`
	QueryResultFormat string      `json:"queryResultFormat"`
	finalNames
}

// names returns the session's final names, null when unset.
func (ss *session) finalNames() finalNames {
	db, schema, wh, role := ss.names()
	return finalNames{orNull(db), orNull(schema), orNull(wh), orNull(role)}
}

// orNull is nil for an empty string.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// writeResult answers a statement's rows.
func (s *Server) writeResult(w http.ResponseWriter, ss *session, res *Result, nBinds int) {
	rt := make([]rowType, len(res.Columns))
	for i, c := range res.Columns {
		rt[i] = rowType{Name: c.Name, Type: strings.ToLower(c.Type), Precision: c.Precision,
			Scale: c.Scale, Length: c.Length, ByteLength: c.Length, Nullable: c.Nullable}
	}
	rows := res.Rows
	if rows == nil {
		rows = [][]*string{}
	}
	s.writeOK(w, resultData{
		Parameters: parameterList(ss.params), RowType: rt, RowSet: rows,
		Total: int64(len(rows)), Returned: int64(len(rows)), QueryID: res.QueryID,
		NumberOfBinds: nBinds, StatementTypeID: res.StatementTypeID, Version: 1,
		QueryResultFormat: "json", finalNames: ss.finalNames(),
	})
}

// stageInfo says where PUT writes (gosnowflake query.go
// execResponseStageInfo). For LOCAL_FS, location is the local folder the
// driver copies the files into (gosnowflake local_storage_client.go
// uploadOneFileWithRetry).
type stageInfo struct {
	LocationType          string            `json:"locationType"`
	Location              string            `json:"location"`
	Path                  string            `json:"path"`
	Region                *string           `json:"region"`
	StorageAccount        *string           `json:"storageAccount"`
	PresignedURL          string            `json:"presignedUrl,omitempty"`
	IsClientSideEncrypted bool              `json:"isClientSideEncrypted"`
	Creds                 map[string]string `json:"creds"`
}

// uploadData is the data of PUT's file-transfer answer (gosnowflake
// query.go execResponseData's file transfer fields, read by
// file_transfer_agent.go parseCommand).
type uploadData struct {
	QueryID                       string    `json:"queryId"`
	Command                       string    `json:"command"`
	Kind                          *string   `json:"kind"`
	Operation                     string    `json:"operation"`
	SrcLocations                  []string  `json:"src_locations"`
	Parallel                      int       `json:"parallel"`
	Threshold                     int64     `json:"threshold"`
	AutoCompress                  bool      `json:"autoCompress"`
	Overwrite                     bool      `json:"overwrite"`
	SourceCompression             string    `json:"sourceCompression"`
	ClientShowEncryptionParameter bool      `json:"clientShowEncryptionParameter"`
	EncryptionMaterial            *struct{} `json:"encryptionMaterial"`
	StageInfo                     stageInfo `json:"stageInfo"`
	UploadInfo                    stageInfo `json:"uploadInfo"`
	StatementTypeID               int64     `json:"statementTypeId"`
	finalNames
}

// writeUpload answers a PUT with command UPLOAD to a LOCAL_FS stage
// (source compression auto_detect when unset, PUT's default:
// https://docs.snowflake.com/en/sql-reference/sql/put), no
// encryption material (null: gosnowflake file_transfer_agent.go
// initEncryptionMaterial then encrypts nothing), so that the driver's
// local storage client writes the files into the stage folder itself.
func (s *Server) writeUpload(w http.ResponseWriter, ss *session, res *Result) {
	up := res.Upload
	if up.Overwrite && !s.opts.UploadOverHTTP {
		removeStale(up)
	}
	si := stageInfo{LocationType: "LOCAL_FS", Location: up.StageDir, Creds: map[string]string{}}
	if s.opts.UploadOverHTTP {
		si = s.gcsStage(up)
	}
	s.writeOK(w, uploadData{
		QueryID: res.QueryID, Command: "UPLOAD", Operation: "Node",
		SrcLocations: up.SourceLocations, Parallel: max(up.Parallel, 1),
		Threshold:    200 << 20, // assumed: Snowflake's 200 MB multi-part threshold
		AutoCompress: up.AutoCompress, Overwrite: up.Overwrite,
		SourceCompression: strings.ToLower(cmp.Or(up.SourceCompression, "auto_detect")),
		StageInfo:         si, UploadInfo: si, StatementTypeID: res.StatementTypeID,
		finalNames: ss.finalNames(),
	})
}

// removeStale removes, before an overwriting PUT, the staged files it is
// about to replace (the source's base name, and with .gz for an
// auto-compressed one). gosnowflake local_storage_client.go
// uploadOneFileWithRetry opens the target without truncating it, so a
// shorter new file would keep the old one's tail.
func removeStale(up *Upload) {
	for _, src := range up.SourceLocations {
		base := filepath.Base(src)
		if strings.ContainsAny(base, "*?[") || up.StageDir == "" {
			continue
		}
		for _, name := range []string{base, base + ".gz"} {
			_ = os.Remove(filepath.Join(up.StageDir, name)) // absent is fine
		}
	}
}

// errorData is the data of a failed statement's answer: the driver reads
// sqlState and queryId (gosnowflake errors.go populateErrorFields); the
// other fields are as Snowflake sends them (assumed).
type errorData struct {
	InternalError bool   `json:"internalError"`
	ErrorCode     string `json:"errorCode"`
	Age           int    `json:"age"`
	SQLState      string `json:"sqlState"`
	QueryID       string `json:"queryId"`
	Line          int    `json:"line"`
	Pos           int    `json:"pos"`
	Type          string `json:"type"`
}

// writeQueryError answers a failed statement: success false, the code as a
// six-digit string, the message, data.sqlState and data.queryId, which
// gosnowflake turns into a *SnowflakeError with the same Number,
// SQLState, Message and QueryID (connection.go exec, errors.go
// populateErrorFields).
func (s *Server) writeQueryError(w http.ResponseWriter, e *Error, queryID string) {
	code := errorCode(e.Code)
	s.writeFailure(w, code, e.Message, errorData{
		InternalError: e.Code == codeInternal, ErrorCode: code, SQLState: e.SQLState,
		QueryID: queryID, Line: -1, Pos: -1, Type: "COMPILATION",
	})
}

// useRE matches USE [DATABASE|SCHEMA|WAREHOUSE|ROLE] name
// (https://docs.snowflake.com/en/sql-reference/sql/use).
var useRE = regexp.MustCompile(`(?is)^\s*USE\s+(?:(DATABASE|SCHEMA|WAREHOUSE|ROLE|SECONDARY\s+ROLES)\s+)?("(?:[^"]|"")+"(?:\.(?:"(?:[^"]|"")+"|[^\s;."]+))?|[^\s;."]+(?:\.(?:"(?:[^"]|"")+"|[^\s;."]+))?)\s*;?\s*$`)

// trackUse updates the session's names after a successful USE, for the
// final*Name fields of later answers. USE name and USE DATABASE name set
// the database; db.schema sets both (assumed from
// https://docs.snowflake.com/en/sql-reference/sql/use).
func (ss *session) trackUse(sql string) {
	m := useRE.FindStringSubmatch(sql)
	if m == nil {
		return
	}
	kind := strings.ToUpper(m[1])
	parts := splitIdent(m[2])
	ss.mu.Lock()
	defer ss.mu.Unlock()
	switch {
	case kind == "WAREHOUSE":
		ss.wh = parts[0]
	case kind == "ROLE":
		ss.role = parts[0]
	case kind == "SCHEMA" || (kind == "" && len(parts) == 2):
		if len(parts) == 2 {
			ss.db, ss.schema = parts[0], parts[1]
		} else {
			ss.schema = parts[0]
		}
	case kind == "DATABASE" || kind == "":
		ss.db = parts[0]
	}
}

// splitIdent splits a possibly qualified identifier; unquoted parts are
// upper-cased, quoted ones unquoted (Snowflake's identifier rules:
// https://docs.snowflake.com/en/sql-reference/identifiers-syntax).
func splitIdent(s string) []string {
	var parts []string
	for s != "" {
		var part string
		if strings.HasPrefix(s, `"`) {
			end := 1
			for end < len(s) {
				if s[end] == '"' && (end+1 >= len(s) || s[end+1] != '"') {
					break
				}
				if s[end] == '"' {
					end++
				}
				end++
			}
			part = strings.ReplaceAll(s[1:min(end, len(s))], `""`, `"`)
			s = s[min(end+1, len(s)):]
		} else {
			i := strings.IndexByte(s, '.')
			if i < 0 {
				i = len(s)
			}
			part, s = strings.ToUpper(s[:i]), s[i:]
		}
		parts = append(parts, part)
		s = strings.TrimPrefix(s, ".")
	}
	return parts
}

package sftest

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// uploadPrefix is the path of the server's upload endpoint (assumed; the
// driver takes the whole URL from the answer).
const uploadPrefix = "/sftest/upload/"

// gcsStage answers a PUT, with [Options.UploadOverHTTP], as a GCS stage
// with a presigned URL on this server: gosnowflake gcs_storage_client.go
// uploadFile then sends the file (or the WithFileStream bytes) with an
// HTTP PUT to that URL, and file_transfer_agent.go
// updateFileMetadataWithPresignedURL asks for one URL per file by sending
// the PUT again with that single file. The URL names the staged file.
func (s *Server) gcsStage(up *Upload) stageInfo {
	id := newToken("U-")
	s.mu.Lock()
	s.uploads[id] = up.StageDir
	s.mu.Unlock()
	name := ""
	if len(up.SourceLocations) > 0 {
		name = stagedName(up, up.SourceLocations[0])
	}
	u := url.URL{Scheme: "http", Host: fmt.Sprintf("%s:%d", s.Host(), s.Port()),
		Path: uploadPrefix + id + "/" + name}
	return stageInfo{LocationType: "GCS", Location: "sftest/" + id + "/",
		PresignedURL: u.String(), Creds: map[string]string{}}
}

// compressedExts are the extensions gosnowflake takes for compressed
// files (file_compression_type.go; lower case).
var compressedExts = map[string]bool{
	".gz": true, ".bz2": true, ".br": true, ".zst": true, ".deflate": true,
	".raw_deflate": true, ".parquet": true, ".orc": true,
}

// stagedName is the name the driver gives a staged file: the source's
// base name, with .gz when it compresses it (gosnowflake
// file_transfer_agent.go processFileCompressionType; content sniffing
// of files without a known extension is not replicated: assumed
// uncompressed).
func stagedName(up *Upload, src string) string {
	base := filepath.Base(src)
	sc := strings.ToUpper(cmp.Or(up.SourceCompression, "AUTO_DETECT"))
	compressed := compressedExts[strings.ToLower(filepath.Ext(base))] ||
		(sc != "AUTO_DETECT" && sc != "NONE")
	if up.AutoCompress && !compressed {
		return base + ".gz"
	}
	return base
}

// handleUpload receives a file sent to a presigned URL of gcsStage and
// writes it, truncated, into the stage folder. GCS answers 200 (gosnowflake
// gcs_storage_client.go uploadFile checks for it).
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	id, name := r.PathValue("id"), r.PathValue("name")
	s.mu.Lock()
	dir, ok := s.uploads[id]
	s.mu.Unlock()
	if !ok || name == "" || name != filepath.Base(name) || name == ".." {
		s.log.Warn("sftest: unknown upload", "path", r.URL.Path)
		http.NotFound(w, r)
		return
	}
	if err := writeStaged(filepath.Join(dir, name), r.Body); err != nil {
		s.log.Error("sftest: upload", "file", name, "err", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.log.Info("sftest: uploaded", "dir", dir, "file", name)
	w.WriteHeader(http.StatusOK)
}

// writeStaged writes a staged file from a request body.
func writeStaged(path string, body io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("stage folder: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if _, err := io.Copy(f, body); err != nil {
		_ = f.Close()
		return fmt.Errorf("write: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

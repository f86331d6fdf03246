package landing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/landing/parquetfile"
)

// ErrCorruptManifest: a manifest object exists but cannot be read.
var ErrCorruptManifest = errors.New("landing: corrupt manifest")

// ManifestPrefix is the prefix of the manifests:
// _manifest/date=YYYY-MM-DD/manifest-YYYY-MM-DD.json, one per day landed.
const ManifestPrefix = "_manifest/"

// ManifestKey returns the key of a day's manifest.
func ManifestKey(day time.Time) string {
	d := day.Format(edqm.DateLayout)
	return ManifestPrefix + "date=" + d + "/manifest-" + d + ".json"
}

// ManifestFile is a landed file as its manifest records it.
type ManifestFile struct {
	// Key is the file's landing key.
	Key string `json:"key"`
	// Rows is the number of data lines: newline-terminated lines after
	// the first (a header), plus a last line without a newline; see
	// [Fingerprint].
	Rows int64 `json:"rows"`
	// Size is the file's length in bytes.
	Size int64 `json:"size"`
	// SHA256 is the hex SHA-256 of the file's bytes.
	SHA256 string `json:"sha256"`
}

// Manifest lists the files a day landed, so that a file deleted, cut short
// or changed before it is loaded is found, never silently lost. A run
// writes a day's manifest after the day's files and before the watermark
// moves past the day.
type Manifest struct {
	// Day is the day the files were generated for.
	Day time.Time
	// First is true when the day was the first of a backfill, landed
	// with the product catalogue and every earlier customer.
	First bool
	// Files are the day's files, sorted by key.
	Files []ManifestFile
}

type manifestJSON struct {
	Day   string         `json:"day"`
	First bool           `json:"first"`
	Files []ManifestFile `json:"files"`
}

// Fingerprint returns what a manifest records of data landed under key:
// its size, its SHA-256 and its data lines (the lines after the header; a
// quoted field spanning lines counts each line); for a .parquet key, the
// rows its footer counts (0 when it has no readable footer).
func Fingerprint(key string, data []byte) ManifestFile {
	sum := sha256.Sum256(data)
	rows := dataLines(data)
	if strings.HasSuffix(key, "."+parquetfile.Extension) {
		_, rows, _ = parquetfile.Inspect(data)
	}
	return ManifestFile{Key: key, Rows: rows, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
}

// dataLines counts the lines of data after the first one.
func dataLines(data []byte) int64 {
	n := int64(bytes.Count(data, []byte{'\n'}))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return max(0, n-1)
}

// Diff explains how got, the fingerprint of a file as landed now, differs
// from m, the manifest's record of it; "" when they are equal. The text
// names what changed: "cut short: 104 of 159 rows, 8211 of 12543 bytes",
// "changed: same 159 rows and 12543 bytes, other SHA-256", and so on.
func (m ManifestFile) Diff(got ManifestFile) string {
	switch {
	case got.SHA256 == m.SHA256 && got.Size == m.Size:
		return ""
	case got.Size < m.Size && got.Rows <= m.Rows:
		return fmt.Sprintf("cut short: %d of %d rows, %d of %d bytes", got.Rows, m.Rows, got.Size, m.Size)
	case got.Rows == m.Rows && got.Size == m.Size:
		return fmt.Sprintf("changed: same %d rows and %d bytes, other SHA-256", m.Rows, m.Size)
	default:
		return fmt.Sprintf("changed: %d rows and %d bytes, the manifest says %d rows and %d bytes", got.Rows, got.Size, m.Rows, m.Size)
	}
}

// File returns the manifest's record of key, and whether it has one.
func (m *Manifest) File(key string) (ManifestFile, bool) {
	i, ok := slices.BinarySearchFunc(m.Files, key, func(f ManifestFile, k string) int { return strings.Compare(f.Key, k) })
	if !ok {
		return ManifestFile{}, false
	}
	return m.Files[i], true
}

// MarshalJSON encodes the manifest with its files sorted by key: the same
// files give the same bytes.
func (m *Manifest) MarshalJSON() ([]byte, error) {
	files := slices.Clone(m.Files)
	slices.SortFunc(files, func(a, b ManifestFile) int { return strings.Compare(a.Key, b.Key) })
	if files == nil {
		files = []ManifestFile{}
	}
	return json.Marshal(manifestJSON{Day: edqm.Day(m.Day).Format(edqm.DateLayout), First: m.First, Files: files})
}

// WriteManifest lands m at [ManifestKey] of its day, atomically as every
// Put, sorted by key.
func WriteManifest(ctx context.Context, l Lander, m *Manifest) error {
	data, err := m.MarshalJSON()
	if err != nil {
		return fmt.Errorf("landing: manifest %s: %w", ManifestKey(m.Day), err)
	}
	key := ManifestKey(m.Day)
	if err := l.Put(ctx, key, bytes.NewReader(append(data, '\n'))); err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return ctx.Err()
		}
		return fmt.Errorf("landing: write the manifest %s: %w", key, err)
	}
	return nil
}

// ReadManifest reads the manifest at key. A missing key wraps
// [ErrNotFound]; one that cannot be parsed wraps [ErrCorruptManifest] and
// names the key.
func ReadManifest(ctx context.Context, l Lander, key string) (*Manifest, error) {
	data, err := ReadAll(ctx, l, key)
	if err != nil {
		return nil, err
	}
	m, err := parseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %v (re-land its day to write it again)", ErrCorruptManifest, key, err)
	}
	if want := ManifestKey(m.Day); want != key {
		return nil, fmt.Errorf("%w %s: its day is %s, which belongs at %s", ErrCorruptManifest, key, m.Day.Format(edqm.DateLayout), want)
	}
	return m, nil
}

// parseManifest decodes a manifest strictly: no unknown field, valid keys,
// hex SHA-256s, files sorted and listed once.
func parseManifest(data []byte) (*Manifest, error) {
	var j manifestJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON object")
	}
	day, err := time.Parse(edqm.DateLayout, j.Day)
	if err != nil {
		return nil, fmt.Errorf("day: %w", err)
	}
	for i, f := range j.Files {
		if err := ValidateKey(f.Key); err != nil {
			return nil, fmt.Errorf("file %d: %w", i+1, err)
		}
		if b, err := hex.DecodeString(f.SHA256); err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("file %d (%s): sha256 %q is not 64 hex digits", i+1, f.Key, f.SHA256)
		}
		if f.Rows < 0 || f.Size < 0 {
			return nil, fmt.Errorf("file %d (%s): negative rows or size", i+1, f.Key)
		}
		if i > 0 && j.Files[i-1].Key >= f.Key {
			return nil, fmt.Errorf("file %d (%s): not sorted by key, or listed twice", i+1, f.Key)
		}
	}
	return &Manifest{Day: day, First: j.First, Files: j.Files}, nil
}

// ReadManifests reads every manifest of l, sorted by day. Objects under
// [ManifestPrefix] that are not manifests (temporary files, other names)
// are ignored.
func ReadManifests(ctx context.Context, l Lander) ([]*Manifest, error) {
	objs, err := l.List(ctx, ManifestPrefix)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("landing: list the manifests: %w", err)
	}
	var out []*Manifest
	for _, o := range objs {
		if !isManifestKey(o.Key) {
			continue
		}
		m, err := ReadManifest(ctx, l, o.Key)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *Manifest) int { return a.Day.Compare(b.Day) })
	return out, nil
}

// isManifestKey tells whether key has the form ManifestKey gives.
func isManifestKey(key string) bool {
	rest, ok := strings.CutPrefix(key, ManifestPrefix+"date=")
	if !ok || len(rest) < len(edqm.DateLayout) {
		return false
	}
	day, err := time.Parse(edqm.DateLayout, rest[:len(edqm.DateLayout)])
	return err == nil && ManifestKey(day) == key
}

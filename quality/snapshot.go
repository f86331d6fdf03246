package quality

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/edqm/edqm"
	"github.com/edqm/edqm/landing"
)

// SnapshotPrefix is the landing prefix of report snapshots.
const SnapshotPrefix = "_reports/"

// SnapshotKey returns the key of a day's snapshot:
// "_reports/report-YYYY-MM-DD.json".
func SnapshotKey(day time.Time) string {
	return SnapshotPrefix + "report-" + day.Format(edqm.DateLayout) + ".json"
}

// WriteSnapshot writes r as indented JSON at key in l (atomically, as every
// Lander's Put), with ReportSchemaVersion when r.SchemaVersion is 0 (r
// itself is not changed). The dashboard's demo mode reads it with
// ReadSnapshot.
func WriteSnapshot(ctx context.Context, l landing.Lander, key string, r *Report) error {
	if r == nil {
		return fmt.Errorf("quality: snapshot %s: nil report", key)
	}
	if r.SchemaVersion == 0 { // a report made by hand: of this version
		cp := *r
		cp.SchemaVersion = ReportSchemaVersion
		r = &cp
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("quality: snapshot %s: %w", key, err)
	}
	data = append(data, '\n')
	if err := l.Put(ctx, key, bytes.NewReader(data)); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("quality: snapshot: %w", err)
	}
	return nil
}

// ErrSnapshotVersion is wrapped by the error [ReadSnapshot] returns for a
// snapshot it cannot read: one without a schema version, or of a version
// newer than [ReportSchemaVersion].
var ErrSnapshotVersion = errors.New("quality: snapshot schema version")

// ReadSnapshot reads the report at key. A missing key gives an error for
// which errors.Is(err, landing.ErrNotFound); a snapshot without a schema
// version, or written by a newer version of this package, an error
// wrapping [ErrSnapshotVersion].
//
// A snapshot of an earlier version (1 or 2) is read as it was written,
// its SchemaVersion telling which: there, KindScore.Labelled counts the
// masked rows too (Masked is 0, Recall is over all labelled rows),
// OrderIDs is 0, and a monitor bucket's Expected is the training mean
// (see ReportSchemaVersion). No figure is recomputed: the labels that
// would tell are not in the snapshot.
func ReadSnapshot(ctx context.Context, l landing.Lander, key string) (*Report, error) {
	rc, err := l.Get(ctx, key)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("quality: snapshot: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("quality: snapshot %s: %w", key, err)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("quality: snapshot %s: %w", key, err)
	}
	switch {
	case r.SchemaVersion < 1:
		return nil, fmt.Errorf("%w: %s has no schema_version: not a report snapshot of package quality", ErrSnapshotVersion, key)
	case r.SchemaVersion > ReportSchemaVersion:
		return nil, fmt.Errorf("%w: %s has schema version %d, newer than this version of package quality reads (%d): upgrade github.com/edqm/edqm",
			ErrSnapshotVersion, key, r.SchemaVersion, ReportSchemaVersion)
	}
	return &r, nil
}

// PreviousSnapshot returns the latest snapshot under SnapshotPrefix whose
// key sorts before key (for SnapshotKey names: the latest earlier day), and
// its key; nil and "" when there is none.
func PreviousSnapshot(ctx context.Context, l landing.Lander, key string) (*Report, string, error) {
	objs, err := l.List(ctx, SnapshotPrefix)
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		return nil, "", fmt.Errorf("quality: snapshots: %w", err)
	}
	prev := ""
	for _, o := range objs {
		if o.Key < key && strings.HasSuffix(o.Key, ".json") && o.Key > prev {
			prev = o.Key
		}
	}
	if prev == "" {
		return nil, "", nil
	}
	r, err := ReadSnapshot(ctx, l, prev)
	return r, prev, err
}

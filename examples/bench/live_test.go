package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edqm/edqm/landing"
	_ "github.com/edqm/edqm/landing/memlanding" // mem://
	"github.com/edqm/edqm/pipeline"
)

// TestLiveProgress: on a terminal the land stage shows the days landed
// and the load the files read, on a line rewritten in place and erased
// at the stage's end; off a terminal the same work writes nothing.
func TestLiveProgress(t *testing.T) {
	ctx := t.Context()
	for _, on := range []bool{true, false} {
		mem, err := landing.Open(ctx, "mem://", nil)
		require.NoError(t, err)
		defer mem.Close()
		var out bytes.Buffer
		land := &progressLander{Lander: mem, live: &liveLine{w: &out, on: on}}
		days := []time.Time{time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)}
		land.start(stageLand, len(days))
		_, err = pipeline.LandDays(ctx, land, days, true, nil)
		require.NoError(t, err)
		land.live.clear()
		land.start(stageLoad, 0)
		rc, err := land.Get(ctx, landing.DataKey("orders", days[0], "csv"))
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, rc)
		require.NoError(t, rc.Close())
		land.live.clear()
		if !on {
			assert.Empty(t, out.String())
			continue
		}
		got := out.String()
		assert.Contains(t, got, eraseLine+"  generate+inject+land   …")
		assert.Contains(t, got, "50%: 1 of 2 days landed")
		assert.Contains(t, got, eraseLine+"  generate+inject+land   100%: 2 of 2 days landed"+eraseLine+eraseLine+"  load                   …")
		assert.True(t, strings.HasSuffix(got, eraseLine+"  load                   files read: 1"+eraseLine), got)
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/quality"
)

// eraseLine moves to the start of the line and erases it (ANSI).
const eraseLine = "\r\x1b[K"

// liveLine shows the work within a stage on a terminal: one line
// rewritten in place, erased before the stage's figures are printed. When
// off (the output is not a terminal) it writes nothing. It is safe for
// concurrent use.
type liveLine struct {
	w  io.Writer
	on bool

	mu    sync.Mutex
	shown string // the text on the line; "" when none
}

// show puts text on the line, unless it is already there.
func (l *liveLine) show(text string) {
	if !l.on {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if text == l.shown {
		return
	}
	l.shown = text
	_, _ = io.WriteString(l.w, eraseLine+text)
}

// clear erases the line, if something is on it.
func (l *liveLine) clear() {
	if !l.on {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shown != "" {
		_, _ = io.WriteString(l.w, eraseLine)
		l.shown = ""
	}
}

// progressLander is a Lander that counts, for the live line, the days
// landed (an orders file put) and the files read (Get, as the load reads
// each file); every call goes to the wrapped Lander unchanged.
type progressLander struct {
	landing.Lander
	live  *liveLine
	stage atomic.Pointer[string]
	total atomic.Int64 // days the stage lands
	days  atomic.Int64
	files atomic.Int64
}

// start names the stage now running and the days it lands (0 for a
// stage that lands none), resets the counts and shows the stage's name.
func (p *progressLander) start(stage string, days int) {
	p.stage.Store(&stage)
	p.total.Store(int64(days))
	p.days.Store(0)
	p.files.Store(0)
	p.live.show(fmt.Sprintf(rowStart, stage) + "…")
}

// Put stores the file and counts a day landed when it is an orders file.
func (p *progressLander) Put(ctx context.Context, key string, r io.Reader) error {
	if err := p.Lander.Put(ctx, key, r); err != nil {
		return err
	}
	if total := p.total.Load(); total > 0 && strings.HasPrefix(key, "orders/") {
		n := p.days.Add(1)
		p.live.show(fmt.Sprintf(rowStart+"%d%%: %s of %s days landed", *p.stage.Load(), n*100/total,
			quality.FormatCount(n), quality.FormatCount(total)))
	}
	return nil
}

// Get opens the file and counts a file read.
func (p *progressLander) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := p.Lander.Get(ctx, key)
	if err == nil {
		n := p.files.Add(1)
		p.live.show(fmt.Sprintf(rowStart+"files read: %s", *p.stage.Load(), quality.FormatCount(n)))
	}
	return rc, err
}

// rowStart lays out a stage's name as rowFormat does.
const rowStart = "  %-22s "

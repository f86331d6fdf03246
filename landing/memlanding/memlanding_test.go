package memlanding_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/landingtest"
	"github.com/edqm/edqm/landing/memlanding"
)

// The Example functions have no *testing.T: they use the background context,
// as a program would.

func TestConformance(t *testing.T) {
	landingtest.RunConformanceTests(t, func(*testing.T) landing.Lander { return memlanding.New() })
}

func TestConformanceThroughURL(t *testing.T) {
	var urls sync.Map // landing.Lander → the mem:// URL of its store
	open := func(t *testing.T, u string) landing.Lander {
		l, err := landing.Open(t.Context(), u, nil)
		if err != nil {
			t.Fatal(err)
		}
		urls.Store(l, u)
		return l
	}
	landingtest.RunConformanceTests(t, func(t *testing.T) landing.Lander {
		return open(t, "mem://conformance-"+strings.ToLower(rand.Text()))
	}, landingtest.WithReopen(func(t *testing.T, l landing.Lander) landing.Lander {
		u, ok := urls.Load(l)
		if !ok {
			t.Fatal("reopen of a Lander the suite did not get from newLander")
		}
		return open(t, u.(string))
	}))
}

func TestURLs(t *testing.T) {
	ctx := t.Context()
	open := func(u string) landing.Lander {
		t.Helper()
		l, err := landing.Open(ctx, u, nil)
		if err != nil {
			t.Fatalf("Open(%q): %v", u, err)
		}
		return l
	}
	count := func(l landing.Lander) int {
		t.Helper()
		objs, err := l.List(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		return len(objs)
	}

	// mem:// is private to each Open.
	a, b := open("mem://"), open("mem:///")
	if err := a.Put(ctx, "k", strings.NewReader("v")); err != nil {
		t.Fatal(err)
	}
	if n := count(b); n != 0 {
		t.Errorf("a second mem:// store holds %d objects, want 0", n)
	}

	// mem://name is shared, and outlives Close.
	name := "shared-" + strings.ToLower(rand.Text()) // new at every run of the test
	s1 := open("mem://" + name)
	if err := s1.Put(ctx, "k", strings.NewReader("v")); err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := open("mem://" + name)
	if n := count(s2); n != 1 {
		t.Errorf("mem://%s after reopening holds %d objects, want 1", name, n)
	}
	if n := count(open("mem://other-" + name)); n != 0 {
		t.Errorf("another name holds %d objects, want 0", n)
	}
	// Two handles on one name race on the watermark: one wins.
	landingtest.WatermarkRace(t, 8, s2, open("mem://"+name))

	for u, want := range map[string]string{
		"mem://x/path":       `path "/path"`,
		"mem://x?size=1&b=2": `unknown query parameter(s) "b", "size"`,
		"mem://user@x":       "user",
		"mem://x#frag":       "fragment",
		"mem:opaque":         "opaque",
	} {
		if _, err := landing.Open(ctx, u, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q) = %v, want an error saying %s", u, err, want)
		}
	}
}

func TestClosed(t *testing.T) {
	ctx := t.Context()
	l := memlanding.New()
	if err := l.Put(ctx, "k", strings.NewReader("v")); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(l.Close(), l.Close()); err != nil {
		t.Fatal(err)
	}
	_, err := l.Get(ctx, "k")
	if !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Get after Close = %v, want fs.ErrClosed", err)
	}
	if _, err := l.List(ctx, ""); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("List after Close = %v, want fs.ErrClosed", err)
	}
	if _, err := l.Get(ctx, "../x"); !errors.Is(err, landing.ErrInvalidKey) {
		t.Errorf("Get of a bad key after Close = %v, want ErrInvalidKey first", err)
	}
}

func TestGetIsNotAliased(t *testing.T) {
	ctx := t.Context()
	l := memlanding.New()
	src := []byte("original")
	v, err := l.WriteIfVersion(ctx, "k", src, "")
	if err != nil {
		t.Fatal(err)
	}
	if v != memlanding.Version([]byte("original")) {
		t.Errorf("version %q, want the hex SHA-256 of the content", v)
	}
	copy(src, "XXXXXXXX")
	rc, err := l.Get(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	b[0] = 'Y'
	data, _, err := l.ReadVersioned(ctx, "k")
	if err != nil || string(data) != "original" {
		t.Errorf("stored content changed: %q, %v", data, err)
	}
}

func Example() {
	ctx := context.Background()
	l, err := landing.Open(ctx, "mem://", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	_ = l.Put(ctx, "orders/date=2025-01-01/orders-2025-01-01.csv", strings.NewReader("id\n1\n"))
	_ = l.Put(ctx, "orders/date=2025-01-02/orders-2025-01-02.csv", strings.NewReader("id\n1\n2\n"))
	objs, _ := l.List(ctx, "orders/date=2025-01-02")
	for _, o := range objs {
		fmt.Println(o.Key, o.Size)
	}
	// Output:
	// orders/date=2025-01-02/orders-2025-01-02.csv 7
}

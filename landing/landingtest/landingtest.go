// Package landingtest holds the conformance suite that every
// [landing.Lander] implementation runs from its own tests:
//
//	func TestConformance(t *testing.T) {
//		landingtest.RunConformanceTests(t, func(t *testing.T) landing.Lander {
//			l, err := mylanding.Open(...)
//			if err != nil {
//				t.Fatal(err)
//			}
//			return l
//		})
//	}
//
// The suite checks the contract written on [landing.Lander]: key
// validation, atomic Put that honours ctx, not-found errors, sorted
// prefix listing (of more objects than one S3 page holds),
// compare-and-swap, the [landing.Watermark] race, and two runners landing
// at once ([WithReopen] lets them use two Landers on one store, as two
// processes would).
package landingtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/edqm/edqm/landing"
)

// RunConformanceTests runs the suite as parallel subtests of t. It calls
// newLander once per subtest, with that subtest's *testing.T, possibly from
// several goroutines at once; each call must return a new, empty Lander of
// its own. The suite closes every Lander it gets. Options add what only
// some implementations can do, such as [WithReopen].
func RunConformanceTests(t *testing.T, newLander func(t *testing.T) landing.Lander, opts ...Option) {
	t.Helper()
	var o suiteOptions
	for _, opt := range opts {
		opt(&o)
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, l landing.Lander)
	}{
		{"PutGetRoundTrip", testPutGetRoundTrip},
		{"ParquetRoundTrip", testParquetRoundTrip},
		{"Overwrite", testOverwrite},
		{"OddButValidKeys", testOddKeys},
		{"InvalidKeys", testInvalidKeys},
		{"NotFound", testNotFound},
		{"DeleteMissing", testDeleteMissing},
		{"ListPrefixes", testListPrefixes},
		{"ManyObjects", testManyObjects},
		{"CancelledPut", testCancelledPut},
		{"FailedPut", testFailedPut},
		{"AtomicPutSeenByReaders", testAtomicPut},
		{"DoneContext", testDoneContext},
		{"WriteIfVersion", testWriteIfVersion},
		{"ConcurrentCASIncrements", testConcurrentIncrements},
		{"WatermarkRace", testWatermarkRace},
		{"TwoRunners", func(t *testing.T, l landing.Lander) { testTwoRunners(t, l, o.reopen) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := newLander(t)
			if l == nil {
				t.Fatal("newLander returned nil")
			}
			t.Cleanup(func() {
				if err := l.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, l)
		})
	}
}

// Option tunes [RunConformanceTests].
type Option func(*suiteOptions)

type suiteOptions struct {
	reopen func(t *testing.T, l landing.Lander) landing.Lander
}

// WithReopen gives the suite a way to open a second Lander on the store of
// a Lander that newLander returned, as a second process would (a new
// client, a new handle on the folder): reopen must return a Lander that
// sees the same objects, and the suite closes it. The TwoRunners test then
// races two runners that share nothing but the store; without this option
// they share one Lander.
func WithReopen(reopen func(t *testing.T, l landing.Lander) landing.Lander) Option {
	return func(o *suiteOptions) { o.reopen = reopen }
}

// put stores s at key and fails the test on error.
func put(t *testing.T, l landing.Lander, key, s string) {
	t.Helper()
	if err := l.Put(context.Background(), key, strings.NewReader(s)); err != nil {
		t.Fatalf("Put %q: %v", key, err)
	}
}

// get returns the content at key and fails the test on error.
func get(t *testing.T, l landing.Lander, key string) string {
	t.Helper()
	rc, err := l.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get %q: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %q: %v", key, err)
	}
	return string(b)
}

// list returns the listing of prefix and fails the test on error.
func list(t *testing.T, l landing.Lander, prefix string) []landing.Object {
	t.Helper()
	objs, err := l.List(context.Background(), prefix)
	if err != nil {
		t.Fatalf("List %q: %v", prefix, err)
	}
	if objs == nil {
		t.Errorf("List %q returned a nil slice, want an empty one", prefix)
	}
	return objs
}

func keysOf(objs []landing.Object) []string {
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.Key
	}
	return keys
}

// requireSorted fails unless objs are in strictly increasing key order.
func requireSorted(t *testing.T, objs []landing.Object) {
	t.Helper()
	for i := 1; i < len(objs); i++ {
		if objs[i-1].Key >= objs[i].Key {
			t.Fatalf("List is not sorted: %q then %q", objs[i-1].Key, objs[i].Key)
		}
	}
}

// wantErr fails unless errors.Is(err, target).
func wantErr(t *testing.T, err, target error, what string, args ...any) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want one wrapping %v", fmt.Sprintf(what, args...), err, target)
	}
}

// noErr fails the test now when err is not nil.
func noErr(t *testing.T, err error, what string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
	}
}

// wantEqual fails unless got equals want.
func wantEqual[T comparable](t *testing.T, got, want T, what string, args ...any) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %v, want %v", fmt.Sprintf(what, args...), short(got), short(want))
	}
}

// short renders v, cutting long strings.
func short(v any) string {
	s := fmt.Sprintf("%q", fmt.Sprint(v))
	if len(s) > 200 {
		s = s[:200] + fmt.Sprintf("… (%d bytes)", len(fmt.Sprint(v)))
	}
	return s
}

// wantObjects fails unless got lists exactly want, in order.
func wantObjects(t *testing.T, got, want []landing.Object, what string, args ...any) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %v, want %v", fmt.Sprintf(what, args...), got, want)
	}
}

// wantKeys fails unless got lists exactly the keys want, in order.
func wantKeys(t *testing.T, got []landing.Object, want []string, what string, args ...any) {
	t.Helper()
	if k := keysOf(got); !slices.Equal(k, want) {
		t.Errorf("%s: got keys %q, want %q", fmt.Sprintf(what, args...), k, want)
	}
}

func testPutGetRoundTrip(t *testing.T, l landing.Lander) {
	binary := make([]byte, 3*256+7)
	for i := range binary {
		binary[i] = byte(i)
	}
	cases := map[string]string{
		"a/b.csv":          "id,name\n1,Ada\n",
		"empty.csv":        "",
		"bin/all-bytes":    string(binary),
		"big/large.csv":    strings.Repeat("0123456789abcdef", 20000), // 320 KB, several chunks
		"top-level-object": "x",
	}
	for k, v := range cases {
		put(t, l, k, v)
	}
	for k, v := range cases {
		wantEqual(t, get(t, l, k), v, "Get %q", k)
		data, ver, err := l.ReadVersioned(context.Background(), k)
		noErr(t, err, "ReadVersioned %q", k)
		wantEqual(t, string(data), v, "ReadVersioned %q", k)
		if ver == "" {
			t.Errorf("ReadVersioned %q: empty version", k)
		}
	}
	objs := list(t, l, "")
	requireSorted(t, objs)
	if len(objs) != len(cases) {
		t.Fatalf("List: got %v, want %d objects", keysOf(objs), len(cases))
	}
	for _, o := range objs {
		wantEqual(t, o.Size, int64(len(cases[o.Key])), "size of %q", o.Key)
	}
	if lp, ok := l.(landing.LocalPather); ok {
		p, err := lp.LocalPath("a/b.csv")
		noErr(t, err, "LocalPath")
		b, err := os.ReadFile(p)
		noErr(t, err, "reading LocalPath %q", p)
		wantEqual(t, string(b), cases["a/b.csv"], "content at LocalPath %q", p)
	}
}

func testOverwrite(t *testing.T, l landing.Lander) {
	put(t, l, "t/obj.csv", "first version, rather long\n")
	put(t, l, "t/obj.csv", "second\n")
	wantEqual(t, get(t, l, "t/obj.csv"), "second\n", "Get after overwrite")
	wantObjects(t, list(t, l, ""), []landing.Object{{Key: "t/obj.csv", Size: 7}}, "List after overwrite")
	put(t, l, "t/obj.csv", "")
	wantEqual(t, get(t, l, "t/obj.csv"), "", "Get after overwrite with nothing")
}

// OddKeys are keys that are unusual but valid; every Lander must store them.
var OddKeys = []string{
	"with space/file name.csv",
	"unicodé/日本語/データ 1.csv",
	"orders/date=2025-01-01/orders-2025-01-01.csv",
	"a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/deep.txt",
	"dots/.hidden",
	"dots/..double-leading",
	"dots/trailing.",
	"punct/it's (1)+[2]{3}&%20;#?!~@$,=.csv",
	"x",
}

func testOddKeys(t *testing.T, l landing.Lander) {
	ctx := context.Background()
	for i, k := range OddKeys {
		put(t, l, k, "content "+strconv.Itoa(i))
	}
	want := slices.Sorted(slices.Values(OddKeys))
	wantKeys(t, list(t, l, ""), want, "List of the odd keys")
	for i, k := range OddKeys {
		wantEqual(t, get(t, l, k), "content "+strconv.Itoa(i), "Get %q", k)
		wantKeys(t, list(t, l, k), []string{k}, "List of the exact key %q", k)
		noErr(t, l.Delete(ctx, k), "Delete %q", k)
		_, err := l.Get(ctx, k)
		wantErr(t, err, landing.ErrNotFound, "Get %q after Delete", k)
	}
	wantKeys(t, list(t, l, ""), []string{}, "List after deleting everything")
}

// InvalidKeys are keys that every method must refuse with ErrInvalidKey.
var InvalidKeys = []string{
	"",
	"..",
	"../escape",
	"a/../../escape",
	"a/..",
	".",
	"./a",
	"a/./b",
	"/abs",
	"/",
	"a//b",
	"a/",
	`a\b`,
	`..\escape`,
	"a\x00b",
	"a\nb",
	"a\x7fb",
	"bad-utf8-\xff",
	strings.Repeat("k", 1025),
}

// InvalidPrefixes are List prefixes that must be refused with ErrInvalidKey.
var InvalidPrefixes = []string{
	"..", "../", "../escape", "/", "/abs", "a//", "a//b", "a/./b", "./", `a\b`, "a\x00b",
}

func testInvalidKeys(t *testing.T, l landing.Lander) {
	ctx := context.Background()
	for _, k := range InvalidKeys {
		err := l.Put(ctx, k, strings.NewReader("x"))
		wantErr(t, err, landing.ErrInvalidKey, "Put %q", k)
		_, err = l.Get(ctx, k)
		wantErr(t, err, landing.ErrInvalidKey, "Get %q", k)
		err = l.Delete(ctx, k)
		wantErr(t, err, landing.ErrInvalidKey, "Delete %q", k)
		_, _, err = l.ReadVersioned(ctx, k)
		wantErr(t, err, landing.ErrInvalidKey, "ReadVersioned %q", k)
		_, err = l.WriteIfVersion(ctx, k, []byte("x"), "")
		wantErr(t, err, landing.ErrInvalidKey, "WriteIfVersion %q", k)
		if lp, ok := l.(landing.LocalPather); ok {
			_, err = lp.LocalPath(k)
			wantErr(t, err, landing.ErrInvalidKey, "LocalPath %q", k)
		}
	}
	for _, p := range InvalidPrefixes {
		_, err := l.List(ctx, p)
		wantErr(t, err, landing.ErrInvalidKey, "List %q", p)
	}
	wantKeys(t, list(t, l, ""), []string{}, "List after invalid keys")
}

func testNotFound(t *testing.T, l landing.Lander) {
	ctx := context.Background()
	put(t, l, "file", "f")
	put(t, l, "folder/inside", "i")
	for _, k := range []string{"missing", "missing/deeper/key.csv", "file/under-a-file", "folder"} {
		_, err := l.Get(ctx, k)
		wantErr(t, err, landing.ErrNotFound, "Get %q", k)
		_, _, err = l.ReadVersioned(ctx, k)
		wantErr(t, err, landing.ErrNotFound, "ReadVersioned %q", k)
	}
}

func testDeleteMissing(t *testing.T, l landing.Lander) {
	ctx := context.Background()
	noErr(t, l.Delete(ctx, "never/existed.csv"), "Delete of a missing key")
	noErr(t, l.Delete(ctx, "never"), "Delete of a missing key")
	put(t, l, "d/obj", "x")
	put(t, l, "d/keep", "y")
	noErr(t, l.Delete(ctx, "d/obj"), "Delete")
	noErr(t, l.Delete(ctx, "d/obj"), "second Delete")
	noErr(t, l.Delete(ctx, "d/obj/under"), "Delete under a deleted key")
	noErr(t, l.Delete(ctx, "d/keep/under"), "Delete under an object")
	_, err := l.Get(ctx, "d/obj")
	wantErr(t, err, landing.ErrNotFound, "Get after Delete")
	wantKeys(t, list(t, l, ""), []string{"d/keep"}, "List after Delete")
}

func testListPrefixes(t *testing.T, l landing.Lander) {
	jan1 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	keys := []string{
		landing.DataKey("orders", jan1, "csv"),
		landing.DataKey("orders", jan1.AddDate(0, 0, 1), "csv"),
		landing.DataKey("orders", jan1.AddDate(0, 0, -1), "csv"),
		landing.DataKey("customers", jan1, "csv"),
		landing.LabelsKey("orders", jan1),
		"orders-archive/x.csv",
		"a-c",
		"a/b",
		"ab",
	}
	size := map[string]int64{}
	for i, k := range keys {
		put(t, l, k, strings.Repeat("z", i+1))
		size[k] = int64(i + 1)
	}
	cases := []struct {
		prefix string
		want   []string
	}{
		{"", []string{
			"_chaos/orders/date=2025-01-01/labels-2025-01-01.csv",
			"a-c",
			"a/b",
			"ab",
			"customers/date=2025-01-01/customers-2025-01-01.csv",
			"orders-archive/x.csv",
			"orders/date=2024-12-31/orders-2024-12-31.csv",
			"orders/date=2025-01-01/orders-2025-01-01.csv",
			"orders/date=2025-01-02/orders-2025-01-02.csv",
		}},
		{"orders/", []string{
			"orders/date=2024-12-31/orders-2024-12-31.csv",
			"orders/date=2025-01-01/orders-2025-01-01.csv",
			"orders/date=2025-01-02/orders-2025-01-02.csv",
		}},
		{"orders", []string{
			"orders-archive/x.csv",
			"orders/date=2024-12-31/orders-2024-12-31.csv",
			"orders/date=2025-01-01/orders-2025-01-01.csv",
			"orders/date=2025-01-02/orders-2025-01-02.csv",
		}},
		{"orders/date=2025", []string{
			"orders/date=2025-01-01/orders-2025-01-01.csv",
			"orders/date=2025-01-02/orders-2025-01-02.csv",
		}},
		{"orders/date=2025-01-01/", []string{"orders/date=2025-01-01/orders-2025-01-01.csv"}},
		{"orders/date=2025-01-01/orders-2025-01-01.csv", []string{"orders/date=2025-01-01/orders-2025-01-01.csv"}},
		{"orders/date=2025-01-01/orders-2025-01-01.csv/", []string{}},
		{"_chaos/", []string{"_chaos/orders/date=2025-01-01/labels-2025-01-01.csv"}},
		{"a", []string{"a-c", "a/b", "ab"}},
		{"a/", []string{"a/b"}},
		{"a/b", []string{"a/b"}},
		{"a-c/", []string{}},
		{"nope", []string{}},
		{"nope/", []string{}},
		{"nope/deeper/key", []string{}},
		{"orders/date=2026", []string{}},
		{"zzz", []string{}},
	}
	for _, c := range cases {
		objs := list(t, l, c.prefix)
		wantKeys(t, objs, c.want, "List %q", c.prefix)
		for _, o := range objs {
			wantEqual(t, o.Size, size[o.Key], "size of %q", o.Key)
		}
	}
}

// ManyObjectsCount is how many objects the ManyObjects test lands: more
// than one page of a listing (S3 returns 1,000 keys a page), so that a
// List that reads only the first page fails.
const ManyObjectsCount = 1500

func testManyObjects(t *testing.T, l landing.Lander) {
	want := make([]string, 0, ManyObjectsCount)
	for i := range ManyObjectsCount {
		want = append(want, fmt.Sprintf("many/part-%02d/obj-%04d.csv", i%15, i))
	}
	g, gctx := errgroup.WithContext(context.Background())
	g.SetLimit(16)
	for _, k := range want {
		g.Go(func() error { return l.Put(gctx, k, strings.NewReader(k)) })
	}
	noErr(t, g.Wait(), "Put")
	slices.Sort(want)
	objs := list(t, l, "")
	wantKeys(t, objs, want, "List of %d objects", ManyObjectsCount)
	for _, o := range objs {
		wantEqual(t, o.Size, int64(len(o.Key)), "size of %q", o.Key)
	}
	wantEqual(t, len(list(t, l, "many/part-07/")), ManyObjectsCount/15, "objects under many/part-07/")
	wantEqual(t, len(list(t, l, "many/part-0")), ManyObjectsCount*10/15, "objects under many/part-0")
}

// cancellingReader yields chunks of 'x'; at its second Read it cancels the
// context, then goes on yielding until left bytes are out, so that a Lander
// that ignores ctx ends with a complete, wrong object instead of hanging.
type cancellingReader struct {
	cancel func()
	reads  int
	left   int
}

func (r *cancellingReader) Read(p []byte) (int, error) {
	r.reads++
	if r.reads == 2 {
		r.cancel()
	}
	if r.left == 0 {
		return 0, io.EOF
	}
	n := min(len(p), r.left, 4096)
	for i := range n {
		p[i] = 'x'
	}
	r.left -= n
	return n, nil
}

func testCancelledPut(t *testing.T, l landing.Lander) {
	put(t, l, "c/existing.csv", "previous content")
	for _, key := range []string{"c/existing.csv", "c/new.csv"} {
		ctx, cancel := context.WithCancel(context.Background())
		r := &cancellingReader{cancel: cancel, left: 1 << 20}
		err := l.Put(ctx, key, r)
		cancel()
		wantErr(t, err, context.Canceled, "Put %q with a context cancelled mid-stream", key)
		if r.reads > 64 {
			t.Errorf("Put %q read %d times, on after the cancellation", key, r.reads)
		}
	}
	wantEqual(t, get(t, l, "c/existing.csv"), "previous content", "Get after cancelled Puts")
	wantObjects(t, list(t, l, ""), []landing.Object{{Key: "c/existing.csv", Size: 16}}, "List after cancelled Puts")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := l.Put(ctx, "c/existing.csv", strings.NewReader("new"))
	wantErr(t, err, context.Canceled, "Put with a context cancelled before")
	wantEqual(t, get(t, l, "c/existing.csv"), "previous content", "Get after a cancelled Put")
}

// errReader is the error of failingReader.
var errReader = errors.New("landingtest: reader failed on purpose")

// failingReader yields n bytes, then fails with errReader.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errReader
	}
	n := min(len(p), r.n)
	for i := range n {
		p[i] = 'y'
	}
	r.n -= n
	return n, nil
}

func testFailedPut(t *testing.T, l landing.Lander) {
	put(t, l, "f/existing.csv", "previous content")
	err := l.Put(context.Background(), "f/existing.csv", &failingReader{n: 100 << 10})
	wantErr(t, err, errReader, "Put from a failing reader")
	err = l.Put(context.Background(), "f/new.csv", &failingReader{n: 10})
	wantErr(t, err, errReader, "Put from a failing reader")
	wantEqual(t, get(t, l, "f/existing.csv"), "previous content", "Get after failed Puts")
	wantObjects(t, list(t, l, ""), []landing.Object{{Key: "f/existing.csv", Size: 16}}, "List after failed Puts")
}

// testAtomicPut overwrites one key with two contents of different sizes
// while readers check that each Get sees one of them whole.
func testAtomicPut(t *testing.T, l landing.Lander) {
	const key = "atomic/obj"
	a := strings.Repeat("a", 64<<10)
	b := strings.Repeat("b", 100<<10)
	put(t, l, key, a)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	for range 2 {
		g.Go(func() error {
			for gctx.Err() == nil {
				rc, err := l.Get(gctx, key)
				if err != nil {
					if gctx.Err() != nil {
						return nil
					}
					return err
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					if gctx.Err() != nil {
						return nil // a reader that streams may stop with ctx
					}
					return err
				}
				if s := string(got); s != a && s != b {
					return fmt.Errorf("get saw a partial object of %d bytes", len(got))
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer cancel()
		for i := range 40 {
			v := a
			if i%2 == 0 {
				v = b
			}
			if err := l.Put(gctx, key, strings.NewReader(v)); err != nil {
				return err
			}
		}
		return nil
	})
	noErr(t, g.Wait(), "concurrent Put and Get")
}

func testDoneContext(t *testing.T, l landing.Lander) {
	put(t, l, "k", "v")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := l.Put(ctx, "k2", strings.NewReader("v"))
	wantErr(t, err, context.Canceled, "Put")
	_, err = l.Get(ctx, "k")
	wantErr(t, err, context.Canceled, "Get")
	_, err = l.List(ctx, "")
	wantErr(t, err, context.Canceled, "List")
	err = l.Delete(ctx, "k")
	wantErr(t, err, context.Canceled, "Delete")
	_, _, err = l.ReadVersioned(ctx, "k")
	wantErr(t, err, context.Canceled, "ReadVersioned")
	_, err = l.WriteIfVersion(ctx, "k3", []byte("v"), "")
	wantErr(t, err, context.Canceled, "WriteIfVersion")
	wantKeys(t, list(t, l, ""), []string{"k"}, "List after calls with a done context")
	wantEqual(t, get(t, l, "k"), "v", "Get after calls with a done context")
}

func testWriteIfVersion(t *testing.T, l landing.Lander) {
	ctx := context.Background()
	const key = "_state/cas.json"

	v1, err := l.WriteIfVersion(ctx, key, []byte("one"), "")
	noErr(t, err, `create with version ""`)
	if v1 == "" {
		t.Fatal("WriteIfVersion returned an empty version")
	}
	data, ver, err := l.ReadVersioned(ctx, key)
	noErr(t, err, "ReadVersioned")
	wantEqual(t, string(data), "one", "ReadVersioned")
	wantEqual(t, ver, v1, "ReadVersioned gives the version WriteIfVersion returned")

	data[0] = 'X' // the caller's copy: the stored object must not change
	_, err = l.WriteIfVersion(ctx, key, []byte("again"), "")
	wantErr(t, err, landing.ErrConflict, "create when it exists")

	v2, err := l.WriteIfVersion(ctx, key, []byte("two"), v1)
	noErr(t, err, "update with the right version")
	if v2 == v1 {
		t.Errorf("new content, same version %q", v2)
	}
	_, err = l.WriteIfVersion(ctx, key, []byte("three"), v1)
	wantErr(t, err, landing.ErrConflict, "update with a stale version")
	_, err = l.WriteIfVersion(ctx, key, []byte("three"), "not-a-version")
	wantErr(t, err, landing.ErrConflict, "update with a bogus version")

	data, ver, err = l.ReadVersioned(ctx, key)
	noErr(t, err, "ReadVersioned")
	wantEqual(t, string(data), "two", "a lost compare-and-swap writes nothing")
	wantEqual(t, ver, v2, "version after the lost compare-and-swaps")
	wantEqual(t, get(t, l, key), "two", "Get reads what WriteIfVersion wrote")
	wantObjects(t, list(t, l, ""), []landing.Object{{Key: key, Size: 3}},
		"List shows the object and nothing else (no lock or temporary files)")

	_, err = l.WriteIfVersion(ctx, "_state/missing.json", []byte("x"), v2)
	wantErr(t, err, landing.ErrConflict, "update of a missing object")
	_, _, err = l.ReadVersioned(ctx, "_state/missing.json")
	wantErr(t, err, landing.ErrNotFound, "ReadVersioned after a lost update")

	// Put and WriteIfVersion share versions.
	put(t, l, "put/obj", "by put")
	_, ver, err = l.ReadVersioned(ctx, "put/obj")
	noErr(t, err, "ReadVersioned")
	buf := []byte("by cas")
	_, err = l.WriteIfVersion(ctx, "put/obj", buf, ver)
	noErr(t, err, "WriteIfVersion over a Put")
	copy(buf, "XXXXXX") // the Lander must have kept its own copy
	wantEqual(t, get(t, l, "put/obj"), "by cas", "Get after WriteIfVersion")

	// Deleting makes "" the expected version again.
	noErr(t, l.Delete(ctx, key), "Delete")
	_, err = l.WriteIfVersion(ctx, key, []byte("reborn"), v2)
	wantErr(t, err, landing.ErrConflict, "update after Delete")
	_, err = l.WriteIfVersion(ctx, key, []byte("reborn"), "")
	noErr(t, err, "create after Delete")
}

// testConcurrentIncrements makes goroutines increment a counter by
// read-then-compare-and-swap, retrying on conflict: a compare-and-swap that
// is not atomic loses increments.
func testConcurrentIncrements(t *testing.T, l landing.Lander) {
	const workers, each = 6, 15
	noErr(t, Increment(context.Background(), l, "_state/counter", workers, each), "increments")
	data, _, err := l.ReadVersioned(context.Background(), "_state/counter")
	noErr(t, err, "ReadVersioned")
	wantEqual(t, string(data), strconv.Itoa(workers*each), "counter (increments were lost)")
}

// Increment runs workers goroutines that each add 1, each times, to the
// decimal counter at key, by ReadVersioned and WriteIfVersion, retrying
// after a conflict. Unless the compare-and-swap is atomic, increments get
// lost and the counter ends below workers*each. Implementations can call it
// from several processes on one store.
func Increment(ctx context.Context, l landing.Lander, key string, workers, each int) error {
	g, gctx := errgroup.WithContext(ctx)
	for range workers {
		g.Go(func() error {
			for done := 0; done < each; {
				data, ver, err := l.ReadVersioned(gctx, key)
				n := 0
				switch {
				case errors.Is(err, landing.ErrNotFound):
				case err != nil:
					return err
				default:
					if n, err = strconv.Atoi(string(data)); err != nil {
						return fmt.Errorf("counter %q: %w", data, err)
					}
				}
				_, err = l.WriteIfVersion(gctx, key, []byte(strconv.Itoa(n+1)), ver)
				switch {
				case err == nil:
					done++
				case !errors.Is(err, landing.ErrConflict):
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// WatermarkRace makes n goroutines Load the watermark of a Lander and then,
// once all have loaded, Advance from that same mark to different days after
// it (from 2025-03-01 when there is no mark).
// Exactly one must succeed and the others must get [landing.ErrConflict];
// it returns the day that won. Pass several Landers over one store to have
// each goroutine use one of them in turn, so as to check that the
// compare-and-swap holds between them.
func WatermarkRace(t *testing.T, n int, ls ...landing.Lander) time.Time {
	t.Helper()
	if len(ls) == 0 {
		t.Fatal("WatermarkRace: no Lander")
	}
	ctx := context.Background()
	// Every goroutine advances to a day after the current mark, so none
	// writes the content already there: versions are content hashes, so
	// an Advance to the very mark stored would change no version and let
	// a second Advance through.
	base := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	cur, ok, err := landing.NewWatermark(ls[0]).Load(ctx)
	if err != nil {
		t.Fatalf("Load before the race: %v", err)
	}
	if ok {
		base = cur.LastDay.AddDate(0, 0, 1)
	}
	var loaded, start, done sync.WaitGroup
	loaded.Add(n)
	start.Add(1)
	errs := make([]error, n)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			w := landing.NewWatermark(ls[i%len(ls)])
			prev, _, err := w.Load(ctx)
			loaded.Done()
			start.Wait()
			if err != nil {
				errs[i] = err
				return
			}
			_, errs[i] = w.Advance(ctx, prev, base.AddDate(0, 0, i), base)
		}()
	}
	loaded.Wait()
	start.Done()
	done.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("two Advances from the same mark both succeeded: goroutines %d and %d", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, landing.ErrConflict):
			t.Fatalf("goroutine %d: got %v, want an error wrapping %v", i, err, landing.ErrConflict)
		}
	}
	if winner < 0 {
		t.Fatal("no Advance succeeded")
	}
	m, ok, err := landing.NewWatermark(ls[0]).Load(ctx)
	if err != nil || !ok {
		t.Fatalf("Load after the race: ok=%v, err=%v", ok, err)
	}
	want := base.AddDate(0, 0, winner)
	if !m.LastDay.Equal(want) {
		t.Fatalf("LastDay %v, want the winner's %v", m.LastDay, want)
	}
	return want
}

func testWatermarkRace(t *testing.T, l landing.Lander) {
	WatermarkRace(t, 8, l) // from no mark
	WatermarkRace(t, 8, l) // from an existing mark
	data, _, err := l.ReadVersioned(context.Background(), landing.WatermarkKey)
	noErr(t, err, "ReadVersioned")
	if !bytes.HasPrefix(data, []byte(`{"last_day":"2025-03-`)) {
		t.Errorf("watermark content %q", data)
	}
}

// RunnerFiles returns the files a runner lands for day, by key: the same
// bytes at every call, as the pipeline generates them.
func RunnerFiles(day time.Time) map[string]string {
	d := day.Format("2006-01-02")
	return map[string]string{
		landing.DataKey("customers", day, "csv"): "customer_id,signup_date\nc1," + d + "\n",
		landing.DataKey("orders", day, "csv"):    "order_id,order_date,total_amount\no1," + d + ",9.99\no2," + d + ",-1\n",
		landing.LabelsKey("orders", day):         "order_id,kind\no2,domain\n",
	}
}

// RunRunner is one pipeline run against l: it loads the watermark, calls
// afterLoad (unless nil), lands [RunnerFiles] for each day from first (or
// the day after the mark) to last, and advances the mark to last, stamped
// now. It returns the days it landed; when another runner advanced the
// mark after the Load, the error wraps [landing.ErrConflict].
func RunRunner(ctx context.Context, l landing.Lander, first, last, now time.Time, afterLoad func()) (int, error) {
	w := landing.NewWatermark(l)
	prev, ok, err := w.Load(ctx)
	if afterLoad != nil {
		afterLoad()
	}
	if err != nil {
		return 0, err
	}
	if ok {
		first = prev.LastDay.AddDate(0, 0, 1)
	}
	days := 0
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		for k, v := range RunnerFiles(d) {
			if err := l.Put(ctx, k, strings.NewReader(v)); err != nil {
				return days, err
			}
		}
		days++
	}
	if days == 0 {
		return 0, nil
	}
	_, err = w.Advance(ctx, prev, last, now)
	return days, err
}

// testTwoRunners starts two runners at once on one store, through two
// Landers when reopen is given: both land the same bytes, exactly one
// advances the watermark and the other gets a conflict; run again, the
// loser finds nothing left to do. Then the same from an existing mark.
func testTwoRunners(t *testing.T, l landing.Lander, reopen func(*testing.T, landing.Lander) landing.Lander) {
	ctx := context.Background()
	l2 := l
	if reopen != nil {
		l2 = reopen(t, l)
		if l2 == nil {
			t.Fatal("reopen returned nil")
		}
		t.Cleanup(func() {
			if err := l2.Close(); err != nil {
				t.Errorf("Close of the reopened Lander: %v", err)
			}
		})
	}
	runners := []landing.Lander{l, l2}
	first := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 0, 2)
	for round := range 2 {
		errs := make([]error, 2)
		days := make([]int, 2)
		var wg, loaded sync.WaitGroup
		loaded.Add(len(runners))
		for i, r := range runners {
			// Different stamps, so the two marks differ in content.
			now := last.Add(time.Duration(round*10+i+1) * time.Hour)
			wg.Go(func() {
				days[i], errs[i] = RunRunner(ctx, r, first, last, now, func() {
					loaded.Done() // both runners load the same mark
					loaded.Wait()
				})
			})
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("round %d: both runners advanced the watermark from the same mark", round)
			case err == nil:
				winner = i
			case !errors.Is(err, landing.ErrConflict):
				t.Fatalf("round %d: runner %d: got %v, want nil or an error wrapping %v", round, i, err, landing.ErrConflict)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no runner advanced the watermark: %v", round, errs)
		}
		wantEqual(t, days[0], days[1], "round %d: days landed by each runner", round)
		loser := runners[1-winner]
		n, err := RunRunner(ctx, loser, first, last, last, nil)
		noErr(t, err, "round %d: the losing runner's second run", round)
		wantEqual(t, n, 0, "round %d: days the losing runner lands on its second run", round)
		m, ok, err := landing.NewWatermark(loser).Load(ctx)
		noErr(t, err, "round %d: Load", round)
		if !ok || !m.LastDay.Equal(last) {
			t.Fatalf("round %d: mark %v (ok=%v), want %v", round, m.LastDay, ok, last)
		}
		var want []string
		for d := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC); !d.After(last); d = d.AddDate(0, 0, 1) {
			for k, v := range RunnerFiles(d) {
				want = append(want, k)
				for _, r := range runners {
					wantEqual(t, get(t, r, k), v, "round %d: %s", round, k)
				}
			}
		}
		want = append(want, landing.WatermarkKey)
		slices.Sort(want)
		for _, r := range runners {
			wantKeys(t, list(t, r, ""), want, "round %d: List", round)
		}
		first, last = last.AddDate(0, 0, 1), last.AddDate(0, 0, 2)
	}
	// Many goroutines on both Landers: exactly one wins.
	WatermarkRace(t, 8, runners...)
}

package chaos

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/edqm/edqm/chaos/internal/cells"
)

// InjectSlice is [Injector.Inject] for a slice of structs: it returns a
// corrupted copy of rows (duplicates inserted right after their row) and
// the labels, which name the table spec.Table. rows is never modified,
// nor anything its pointer fields point to.
//
// A spec's column names a struct field by its edqm tag (`edqm:"order_id"`)
// or, for a field without one, by its Go name; only exported fields count.
// Role fields may be:
//
//   - string: read as the cell of a string table ("" is NULL);
//   - int, int8 to int64 (amounts in cents), float64 (amounts);
//   - time.Time (a date; the zero time is NULL);
//   - a pointer to one of those, where nil is NULL.
//
// [generate.Order] is such a struct: chaos.OrdersSpec describes it.
func InjectSlice[T any](ctx context.Context, j *Injector, day time.Time, spec TableSpec, rows []T) ([]T, []Label, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	typ := reflect.TypeFor[T]()
	if typ.Kind() != reflect.Struct {
		return nil, nil, fmt.Errorf("%w: InjectSlice needs a slice of structs, not of %s", ErrInvalidSpec, typ)
	}
	fields, names := structFields(typ)
	rv := reflect.ValueOf(rows)
	l, err := newLayout(spec, spec.Table, len(rows), names, func(name string, role int) (*cells.Column, string, error) {
		idx, ok := fields[name]
		if !ok {
			return nil, "", nil
		}
		f := typ.Field(idx)
		c := structColumn(f.Type, idx, role, rv)
		return c, f.Type.String(), nil
	})
	if err != nil {
		return nil, nil, err
	}
	e, err := j.run(ctx, l, day)
	if err != nil {
		return nil, nil, err
	}
	defer e.release()
	out := make([]T, 0, len(rows)+len(e.dups))
	ei, di := 0, 0
	for i := range rows {
		out = append(out, rows[i])
		row := reflect.ValueOf(&out[len(out)-1]).Elem()
		var first []cells.Edit
		for ; ei < len(e.edits) && e.edits[ei].Row == i && e.edits[ei].Occ == 1; ei++ {
			first = append(first, e.edits[ei])
			setField(row, l.cols[e.edits[ei].Role], e.edits[ei].V)
		}
		if di < len(e.dups) && e.dups[di] == i {
			di++
			out = append(out, out[len(out)-1])
			cp := reflect.ValueOf(&out[len(out)-1]).Elem()
			for _, ed := range first { // a fresh pointer for each pointer field set, not the row's
				setField(cp, l.cols[ed.Role], ed.V)
			}
			for ; ei < len(e.edits) && e.edits[ei].Row == i; ei++ {
				setField(cp, l.cols[e.edits[ei].Role], e.edits[ei].V)
			}
		}
	}
	return out, e.labels, nil
}

// SliceRows returns the [RowKey] of each of rows, as labels name them:
// the key is read from the field spec.Key names (written as in labels),
// and the occurrence counts the rows with that key so far (1 for the
// first, 2 for the next). For the output of [InjectSlice] on rows with
// unique keys, these are exactly the rows its labels name; so a test can
// tell, row by row, whether a row is corrupted. The error wraps
// [ErrInvalidSpec] when spec has no Key or rows have no such field.
func SliceRows[T any](spec TableSpec, rows []T) ([]RowKey, error) {
	typ := reflect.TypeFor[T]()
	if typ.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%w: SliceRows needs a slice of structs, not of %s", ErrInvalidSpec, typ)
	}
	if spec.Key == "" {
		return nil, fmt.Errorf("%w: Key is empty: the spec has no key column", ErrInvalidSpec)
	}
	fields, names := structFields(typ)
	idx, ok := fields[spec.Key]
	if !ok {
		return nil, fmt.Errorf("%w: Key names %q, but %s has no such field (it has %s)", ErrInvalidSpec, spec.Key, typ, strings.Join(names, ", "))
	}
	key := structColumn(typ.Field(idx).Type, idx, cells.RoleKey, reflect.ValueOf(rows))
	seen := make(map[string]int, len(rows))
	out := make([]RowKey, len(rows))
	for i := range rows {
		k := key.Raw(i)
		seen[k]++
		out[i] = RowKey{Key: k, Occurrence: seen[k]}
	}
	return out, nil
}

// structFields maps column names to the exported fields of typ, and lists
// the names in field order.
func structFields(typ reflect.Type) (map[string]int, []string) {
	fields := map[string]int{}
	var names []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("edqm"); ok {
			if n, _, _ := strings.Cut(tag, ","); n != "" {
				name = n
			}
		}
		if _, dup := fields[name]; !dup {
			fields[name] = i
			names = append(names, name)
		}
	}
	return fields, names
}

var timeType = reflect.TypeFor[time.Time]()

// structColumn returns the column of field idx, of type ft, of the rows in
// rv.
func structColumn(ft reflect.Type, idx, role int, rv reflect.Value) *cells.Column {
	ptr := ft.Kind() == reflect.Pointer
	elem := ft
	if ptr {
		elem = ft.Elem()
	}
	c := &cells.Column{Index: idx, Scale: 2, Nullable: ptr}
	// cell returns row i's field, or an invalid Value for a nil pointer.
	cell := func(i int) reflect.Value {
		v := rv.Index(i).Field(idx)
		if ptr {
			if v.IsNil() {
				return reflect.Value{}
			}
			v = v.Elem()
		}
		return v
	}
	switch {
	case elem.Kind() == reflect.String:
		c.Kind, c.Nullable = cells.KText, true
		c.Get = func(i int) cells.Value {
			v := cell(i)
			if !v.IsValid() {
				return cells.Value{Null: true}
			}
			if !ptr {
				return cells.ParseText(role, v.String())
			}
			return cells.ParseNonNull(role, v.String())
		}
		c.Raw = func(i int) string {
			if v := cell(i); v.IsValid() {
				return v.String()
			}
			return ""
		}
	case elem.Kind() >= reflect.Int && elem.Kind() <= reflect.Int64:
		c.Kind = cells.KInt
		c.IntMax = int64(math.MaxInt64) >> (64 - elem.Bits())
		c.Get = func(i int) cells.Value {
			if v := cell(i); v.IsValid() {
				return cells.Value{I: v.Int()}
			}
			return cells.Value{Null: true}
		}
	case elem.Kind() == reflect.Float64:
		c.Kind = cells.KFloat
		c.Get = func(i int) cells.Value {
			if v := cell(i); v.IsValid() {
				return cells.Value{F: v.Float()}
			}
			return cells.Value{Null: true}
		}
	case elem == timeType:
		c.Kind = cells.KTime
		c.Get = func(i int) cells.Value {
			v := cell(i)
			if !v.IsValid() {
				return cells.Value{Null: true}
			}
			t := v.Interface().(time.Time)
			return cells.Value{Null: t.IsZero(), I: cells.DayOf(t), T: t}
		}
	default:
		c.Kind = cells.KOther
		c.Get = func(i int) cells.Value { return cells.Value{Bad: true} }
		c.Raw = func(i int) string {
			if v := cell(i); v.IsValid() {
				return fmt.Sprint(v.Interface())
			}
			return ""
		}
	}
	if c.Raw == nil {
		c.Raw = func(i int) string { return c.Text(c.Get(i)) }
	}
	return c
}

// setField writes v into c's field of the struct row, allocating a new
// pointee for a pointer field.
func setField(row reflect.Value, c *cells.Column, v cells.Value) {
	f := row.Field(c.Index)
	ptr := f.Kind() == reflect.Pointer
	if ptr && v.Null {
		f.SetZero()
		return
	}
	target := f
	if ptr {
		target = reflect.New(f.Type().Elem()).Elem()
	}
	switch c.Kind {
	case cells.KText:
		if v.Null {
			target.SetString("")
		} else {
			target.SetString(c.Text(v))
		}
	case cells.KInt:
		target.SetInt(v.I)
	case cells.KFloat:
		target.SetFloat(v.F)
	case cells.KTime:
		target.Set(reflect.ValueOf(v.T))
	}
	if ptr {
		f.Set(target.Addr())
	}
}

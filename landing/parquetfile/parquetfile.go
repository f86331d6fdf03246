// Package parquetfile encodes the Arrow record batches EDQM produces (the
// generator's, package chaosarrow's, or a string table's) as Parquet files
// to land, and reads them back. It is the Parquet half of the landing format
// a run chooses (CSV is edqm.WriteCSV).
//
// It writes with arrow-go's parquet/file column writers rather than
// parquet/pqarrow: pqarrow imports Arrow Flight, and with it gRPC and
// protobuf, for the Arrow schema it stores in the footer, which no reader
// here needs (DuckDB and Snowflake type the columns from the Parquet schema).
//
// # Bytes
//
// The same batches and Options give the same bytes, on every machine and
// with every version of this module's dependencies that writes the same
// Parquet: the writer's created_by is the constant [CreatedBy] (arrow-go's
// default names its own version), and nothing else in the file depends on
// the time, the host or the goroutines. That is what lets a crashed run land
// a day again and find the file unchanged.
//
// # Row groups
//
// Rows are buffered into row groups of Options.RowGroupRows rows
// ([DefaultRowGroupRows] by default, DuckDB's own row group size), whatever
// the size of the batches written: readers such as DuckDB and Snowflake read
// row groups in parallel, so a day's file of a few hundred rows is one row
// group and a file of a million rows is several.
//
// # Strings and NULL
//
// [TableRecord] turns an edqm.Table into a batch of nullable utf8 columns,
// the shape of the warehouse's raw tables (all VARCHAR): an empty cell
// becomes NULL, as the CSV loaders read an empty field, so a table landed as
// CSV and as Parquet loads into the same raw rows. A typed batch (decimals,
// dates, integers) is written with its types; loaders cast each value to
// VARCHAR. [ReadTable] reads either kind back as strings.
//
// # Errors
//
// Errors start with "parquetfile:"; invalid options wrap [ErrInvalidOptions]
// and a file that is not Parquet, or not readable, wraps [ErrBadFile]. Context
// errors are returned as they are.
package parquetfile

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// Extension is the file extension of a Parquet file, without the dot, as
// landing.DataKey takes it.
const Extension = "parquet"

// CreatedBy is the created_by every file written here carries, so that the
// bytes do not change with the Parquet library's version string.
const CreatedBy = "edqm parquetfile"

// DefaultRowGroupRows is the number of rows of a row group when
// Options.RowGroupRows is zero: 122,880, the row group size DuckDB writes
// and splits its parallel scans by.
const DefaultRowGroupRows = 122880

// ErrInvalidOptions is wrapped by the errors of invalid [Options].
var ErrInvalidOptions = errors.New("parquetfile: invalid options")

// ErrUnsupportedType is wrapped by the error of a schema with a field of a
// type the [Writer] does not write. It writes utf8, large_utf8, bool, int32,
// int64, float64, date32, timestamp and decimal128 of precision up to 18
// (the types the generator and package chaosarrow use), each nullable or not.
var ErrUnsupportedType = errors.New("parquetfile: unsupported Arrow type")

// ErrBadFile is wrapped by the error of reading a file that is not a
// readable Parquet file.
var ErrBadFile = errors.New("parquetfile: not a readable Parquet file")

// Codec is a Parquet compression codec.
type Codec string

// The codecs a file can be written with. Snowflake and DuckDB read all three.
const (
	// Snappy is fast, with a ratio of about 2 to 4 on EDQM's tables; the
	// default.
	Snappy Codec = "snappy"
	// Zstd compresses about a third smaller than Snappy, and costs more CPU.
	Zstd Codec = "zstd"
	// Uncompressed writes pages as they are.
	Uncompressed Codec = "none"
)

// ParseCodec returns the codec named s ("snappy", "zstd" or "none"); ""
// means [Snappy].
func ParseCodec(s string) (Codec, error) {
	switch c := Codec(s); c {
	case "":
		return Snappy, nil
	case Snappy, Zstd, Uncompressed:
		return c, nil
	}
	return "", fmt.Errorf("%w: codec %q: want snappy, zstd or none", ErrInvalidOptions, s)
}

// compression returns the Parquet codec of c.
func (c Codec) compression() (compress.Compression, error) {
	switch c {
	case "", Snappy:
		return compress.Codecs.Snappy, nil
	case Zstd:
		return compress.Codecs.Zstd, nil
	case Uncompressed:
		return compress.Codecs.Uncompressed, nil
	}
	return 0, fmt.Errorf("%w: codec %q: want snappy, zstd or none", ErrInvalidOptions, string(c))
}

// Options adjust a [Writer]. A nil *Options means the defaults, and so does
// the zero value of each field.
type Options struct {
	// Codec compresses the pages; "" means [Snappy].
	Codec Codec
	// RowGroupRows is the most rows of a row group; 0 means
	// [DefaultRowGroupRows]. Negative is an error.
	RowGroupRows int64
	// Allocator allocates the writer's buffers; nil means
	// memory.DefaultAllocator.
	Allocator memory.Allocator
}

// Writer writes record batches of one schema as a Parquet file, buffering
// rows into row groups of Options.RowGroupRows rows. It is not safe for
// concurrent use. Close writes the footer; a file without it is not Parquet.
type Writer struct {
	fw     *file.Writer
	cols   []column
	rg     file.BufferedRowGroupWriter
	inRG   int64 // rows in rg
	max    int64
	rows   int64
	closed bool
}

// NewWriter returns a Writer of batches of schema to w. A field of a type
// the Writer cannot write (see [ErrUnsupportedType]) is an error naming it.
func NewWriter(w io.Writer, schema *arrow.Schema, opts *Options) (*Writer, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	codec, err := o.Codec.compression()
	if err != nil {
		return nil, err
	}
	switch {
	case o.RowGroupRows < 0:
		return nil, fmt.Errorf("%w: RowGroupRows %d is negative", ErrInvalidOptions, o.RowGroupRows)
	case o.RowGroupRows == 0:
		o.RowGroupRows = DefaultRowGroupRows
	}
	if schema == nil {
		return nil, fmt.Errorf("%w: no schema", ErrInvalidOptions)
	}
	root, cols, err := parquetSchema(schema)
	if err != nil {
		return nil, err
	}
	mem := o.Allocator
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	props := parquet.NewWriterProperties(
		parquet.WithCompression(codec),
		parquet.WithMaxRowGroupLength(o.RowGroupRows),
		parquet.WithCreatedBy(CreatedBy),
		parquet.WithAllocator(mem),
	)
	fw, err := file.NewParquetWriterWithError(w, root, file.WithWriterProps(props))
	if err != nil {
		return nil, fmt.Errorf("parquetfile: %w", err)
	}
	return &Writer{fw: fw, cols: cols, max: o.RowGroupRows}, nil
}

// Write adds rec's rows, which must have the writer's schema. It starts a
// new row group whenever the current one holds RowGroupRows rows.
func (w *Writer) Write(ctx context.Context, rec arrow.RecordBatch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if w.closed {
		return errors.New("parquetfile: write after Close")
	}
	if int(rec.NumCols()) != len(w.cols) {
		return fmt.Errorf("%w: a batch of %d columns, want %d", ErrInvalidOptions, rec.NumCols(), len(w.cols))
	}
	for off := int64(0); off < rec.NumRows(); {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.nextRowGroup(); err != nil {
			return err
		}
		end := min(rec.NumRows(), off+w.max-w.inRG)
		for i, c := range w.cols {
			cw, err := w.rg.Column(i)
			if err == nil {
				part := array.NewSlice(rec.Column(i), off, end)
				err = c.write(cw, part)
				part.Release()
			}
			if err != nil {
				return fmt.Errorf("parquetfile: column %s, rows %d to %d: %w", c.name, w.rows+1, w.rows+end-off, err)
			}
		}
		w.inRG += end - off
		w.rows += end - off
		off = end
	}
	return nil
}

// nextRowGroup starts a row group when there is none or the current one
// is full.
func (w *Writer) nextRowGroup() error {
	if w.rg != nil && w.inRG < w.max {
		return nil
	}
	if err := w.flush(); err != nil {
		return err
	}
	rg, err := w.fw.AppendBufferedRowGroupChecked()
	if err != nil {
		return fmt.Errorf("parquetfile: %w", err)
	}
	w.rg = rg
	return nil
}

// flush closes the current row group, if any.
func (w *Writer) flush() error {
	if w.rg == nil {
		return nil
	}
	rg := w.rg
	w.rg, w.inRG = nil, 0
	if err := rg.Close(); err != nil {
		return fmt.Errorf("parquetfile: closing a row group: %w", err)
	}
	return nil
}

// Rows returns the number of rows written so far.
func (w *Writer) Rows() int64 { return w.rows }

// Close writes the last row group and the footer. It does not close the
// underlying io.Writer. Closing twice returns nil.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.flush()
	if cerr := w.fw.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("parquetfile: closing: %w", cerr)
	}
	return err
}

// RecordReader is what [WriteAll] drains: array.RecordReader's reading
// methods, which generate.OrderReader and chaosarrow.RecordReader have.
type RecordReader interface {
	Schema() *arrow.Schema
	Next() bool
	RecordBatch() arrow.RecordBatch
	Err() error
}

// WriteAll writes every batch of r to w as one Parquet file and returns the
// number of rows written. It does not release r.
func WriteAll(ctx context.Context, w io.Writer, r RecordReader, opts *Options) (int64, error) {
	pw, err := NewWriter(w, r.Schema(), opts)
	if err != nil {
		return 0, err
	}
	for r.Next() {
		if err := pw.Write(ctx, r.RecordBatch()); err != nil {
			_ = pw.Close()
			return pw.Rows(), err
		}
	}
	if err := r.Err(); err != nil {
		_ = pw.Close()
		return pw.Rows(), err
	}
	return pw.Rows(), pw.Close()
}

package snowflakewarehouse

import "fmt"

// firstDataLine is the line of a file's first data record: the header is
// line 1.
const firstDataLine = 2

// rowStats are a key's rows in the raw table after the COPY: their number
// and smallest and largest METADATA$FILE_ROW_NUMBER.
type rowStats struct{ n, min, max int64 }

// rowBase derives the METADATA$FILE_ROW_NUMBER of a file's first data
// record from the data, instead of assuming it: the documentation says
// only "Row number for each record in the staged data file"
// (https://docs.snowflake.com/en/user-guide/querying-metadata), not
// whether the header parsed by PARSE_HEADER counts. Each key must hold
// exactly the rows COPY loaded (else the rows were not all named by their
// key, or rows of the file were there already). A file whose well-formed
// records all loaded gives the base twice, from its first and its last
// such record (min − firstGood, max − lastGood); all must agree. Other
// files must be consistent with it. The base must be 0, 1 or 2.
func rowBase(keys []string, stats map[string]rowStats, loaded map[string]int64, scans map[string]*fileScan) (int64, error) {
	base, found := int64(0), false
	for _, k := range keys {
		st, scan := stats[k], scans[k]
		if st.n != loaded[k] {
			return 0, fmt.Errorf("the table holds %d rows named %s after the COPY, which loaded %d: "+
				"METADATA$FILENAME did not end with the key, or the file's rows were there already", st.n, k, loaded[k])
		}
		if loaded[k] != scan.wellFormed() {
			continue
		}
		b1, b2 := st.min-scan.firstGood, st.max-scan.lastGood
		if b1 != b2 || (found && b1 != base) {
			return 0, fmt.Errorf("cannot tell how METADATA$FILE_ROW_NUMBER counts: %s's rows are numbered %d to %d "+
				"for its records %d to %d (from 0), other files give a first number of %d", k, st.min, st.max, scan.firstGood, scan.lastGood, base)
		}
		base, found = b1, true
	}
	// Rows loaded are well-formed records, between the first and the last:
	// max − lastGood ≤ base ≤ min − firstGood for every file.
	lo, hi := int64(-1<<62), int64(1<<62)
	for _, k := range keys {
		st, scan := stats[k], scans[k]
		lo, hi = max(lo, st.max-scan.lastGood), min(hi, st.min-scan.firstGood)
	}
	if !found {
		if lo != hi {
			return 0, fmt.Errorf("cannot tell how METADATA$FILE_ROW_NUMBER counts: no file of the batch had all its well-formed records loaded, "+
				"and the first number is between %d and %d", lo, hi)
		}
		base = lo
	}
	for _, k := range keys {
		st, scan := stats[k], scans[k]
		if st.min-scan.firstGood < base || st.max-scan.lastGood > base {
			return 0, fmt.Errorf("%s's rows are numbered %d to %d, outside what its records %d to %d allow with a first number of %d",
				k, st.min, st.max, scan.firstGood, scan.lastGood, base)
		}
	}
	if base < 0 || base > 2 {
		return 0, fmt.Errorf("METADATA$FILE_ROW_NUMBER numbers the first data record %d, want 0, 1 or 2", base)
	}
	return base, nil
}

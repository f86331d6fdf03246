package duckdbwarehouse

// SetBatching sets how many files one transaction loads and how many
// batches run at once, for the benchmarks that compare them.
func (w *Warehouse) SetBatching(files, workers int) { w.batchFiles, w.loadWorkers = files, workers }

// SetPrepWorkers sets how many CSV files a batch reads and judges at once
// (0: GOMAXPROCS).
func (w *Warehouse) SetPrepWorkers(n int) { w.setPrep = n }

// SetBeforeCommit sets a function run right before each batch's COMMIT
// (nil for none). Not safe to call while a Load runs.
func SetBeforeCommit(f func()) { testHookBeforeCommit = f }

// SetBeforePublish sets a function run once a new database file is
// complete in its private folder, before it is linked to its path (nil for
// none).
func SetBeforePublish(f func(tmp string)) { beforePublish = f }

// MaxPlainLine is the longest line handed to read_csv as is.
const MaxPlainLine = maxPlainLine

// SetSpillAt sets the most plain bytes a file keeps in memory before they
// go to its own temporary file, and returns the previous value. Not safe
// to call while a Load runs.
func SetSpillAt(n int) int { old := spillAt; spillAt = n; return old }

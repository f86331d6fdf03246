package sfsql

import (
	"context"
	"fmt"
)

// Transactions: BEGIN … COMMIT/ROLLBACK on the session's DuckDB
// connection, so that COPY and DML roll back together
// (https://docs.snowflake.com/en/sql-reference/transactions). Work kept
// in Go (load metadata, deferred purges) is applied or dropped with the
// transaction.

// begin runs BEGIN [TRANSACTION|WORK] or START TRANSACTION. A BEGIN inside
// a transaction is ignored (https://docs.snowflake.com/en/sql-reference/sql/begin:
// "if a transaction is already active, BEGIN is ignored" — assumed
// wording; the statement succeeds without a nested transaction).
func (s *Session) begin(ctx context.Context, _ *stmt) (*Result, error) {
	if !s.inTx {
		if _, err := s.conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
			return nil, fromDuck(err)
		}
		s.inTx = true
	}
	return statusResult("Statement executed successfully."), nil
}

// commit runs COMMIT; outside a transaction it does nothing.
func (s *Session) commit(ctx context.Context, _ *stmt) (*Result, error) {
	if err := s.commitTx(ctx); err != nil {
		return nil, err
	}
	return statusResult("Statement executed successfully."), nil
}

// commitTx commits the open transaction, if any.
func (s *Session) commitTx(ctx context.Context) error {
	if !s.inTx {
		return nil
	}
	if _, err := s.conn.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = s.conn.ExecContext(ctx, "ROLLBACK")
		s.endTx(false)
		return fromDuck(err)
	}
	s.endTx(true)
	return nil
}

// rollback runs ROLLBACK; outside a transaction it does nothing.
func (s *Session) rollback(ctx context.Context, _ *stmt) (*Result, error) {
	if s.inTx {
		if _, err := s.conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			return nil, fromDuck(err)
		}
		s.endTx(false)
	}
	return statusResult("Statement executed successfully."), nil
}

// endTx runs the Go work of the transaction that ended.
func (s *Session) endTx(committed bool) {
	hooks := s.atRollback
	if committed {
		hooks = s.atCommit
	}
	for _, h := range hooks {
		h()
	}
	s.inTx, s.atCommit, s.atRollback = false, nil, nil
}

// onCommit runs f when the statement's work commits: at once outside a
// transaction, at COMMIT inside one.
func (s *Session) onCommit(f func()) {
	if s.inTx {
		s.atCommit = append(s.atCommit, f)
		return
	}
	f()
}

// onRollback runs f if the open transaction rolls back.
func (s *Session) onRollback(f func()) {
	if s.inTx {
		s.atRollback = append(s.atRollback, f)
	}
}

// implicitCommit commits an open transaction before a DDL statement: "a
// DDL statement … implicitly commits the active transaction"
// (https://docs.snowflake.com/en/sql-reference/transactions#ddl).
func (s *Session) implicitCommit(ctx context.Context) error {
	if err := s.commitTx(ctx); err != nil {
		return fmt.Errorf("implicit commit: %w", err)
	}
	return nil
}

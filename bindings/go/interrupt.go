package polysock

import "polysock.dev/polysock/internal/raw"

// Signals: the interrupt hook, in the flag form.
//
// The C library retries EINTR inside every call that waits (PEP 475) unless an
// interrupt hook tells it to stop. The Go binding never lets C call back into Go, so
// it offers the C ABI's ready-made flag hook over a flag in C memory: install it with
// SetInterruptFlagHook(true), then SetInterruptFlag(true) (from a signal.Notify
// goroutine, say) makes any native wait that a signal interrupts from then on fail with
// the EINTR error (errors.Is(err, syscall.EINTR)), losing no data.
//
// In a Go program this reaches few calls: every socket operation of this package
// waits on Go's network poller, never in C, so only Poller.Select and
// Poller.SelectForever (which wait in the native poller) can be interrupted. To stop
// a goroutine parked in Recv or Accept, close the socket or set a deadline instead.
// Go delivers signals to its own handlers (signal.Notify), which run whatever the
// native code is doing; the hook only decides whether the interrupted wait goes on.

// SetInterruptFlagHook installs the flag hook process-wide (on) or restores the
// default, where every wait retries EINTR (off). The hook is the process's one
// interrupt hook: installing it replaces a hook that C code set, and off removes any.
func SetInterruptFlagHook(on bool) error {
	var e raw.ErrBuf
	if raw.Set_interrupt_flag_hook(b2i(on), &e) != 0 {
		return fromBuf(&e)
	}
	return nil
}

// SetInterruptFlag sets (true) or clears the flag that the flag hook reads: while it
// is set, a native wait that a signal interrupts stops with the EINTR error; once it
// is cleared, such waits go on. Safe from any goroutine.
func SetInterruptFlag(stop bool) { raw.Set_interrupt_flag(b2i(stop)) }

// InterruptFlag reports whether the flag is set.
func InterruptFlag() bool { return raw.Interrupt_flag() != 0 }

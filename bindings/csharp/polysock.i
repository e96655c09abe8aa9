/*
 * SWIG interface of the raw C# layer: every function of polysock.h as the internal
 * classes Polysock.Native.PolysockNative / PolysockNativePINVOKE (P/Invoke into
 * libpolysock_csharp.so, the generated wrapper, which links libpolysock.so.1).
 * The public API is the hand-written Polysock namespace on top.
 *
 * Rules kept here (see shared/spec/bindings.md, "Known pitfalls"):
 * - every width is explicit: handles, pollers, TLS contexts and objects and uint64_t
 *   are ulong, size_t is nuint (never SWIG's 32-bit uint), int64_t and long long are
 *   long; no SWIGWORDSIZE64;
 * - buffers, structs and opaque lists are raw pointers (System.IntPtr): the
 *   hand-written layer passes pinned spans and blittable structs without copying;
 * - statuses come back as int; the hand-written layer turns a negative one into an
 *   exception in one place (Polysock.Errors), reading sock_last_errno,
 *   sock_last_error_message and, for SOCK_ERR_SSL, tls_last_error right after the
 *   failing call on the same thread.
 */
%module PolysockNative

%{
#include <stdint.h>
#include <polysock/polysock.h>
%}

%include <stdint.i>

/* unsafe: the wrappers pin out-parameters and pass pointers (see POLYSOCK_BYREF). */
%pragma(csharp) moduleclassmodifiers="internal static unsafe class"
%pragma(csharp) imclassclassmodifiers="internal unsafe class"

/* Macros and the status enum are not wrapped: constants come from net_constant_at(). */
%rename("$ignore", regexmatch$name="^(SOCK|NET|POLYSOCK|TLS)_[A-Z]") "";
/* Structs are blittable records of the hand-written layer, passed as raw pointers. */
%ignore sock_iovec;
%ignore sock_cmsg;
%ignore sock_msg_info;
%ignore net_connect_error;
%ignore sock_address;
%ignore sock_event;
%ignore net_addrinfo;
%ignore net_if_entry;
%ignore sock_status;
%ignore tls_error_info;
%ignore tls_cipher_info;
%ignore tls_cert_info;
%ignore tls_cert_entry;
%ignore tls_cert;

/* ---- Widths ---- */

%apply unsigned long long { sock_handle, sock_poller, tls_context, tls_object, uint64_t };
%apply long long { int64_t };

%typemap(ctype) size_t "size_t"
%typemap(imtype) size_t "nuint"
%typemap(cstype) size_t "nuint"
%typemap(csin) size_t "$csinput"
%typemap(in) size_t %{ $1 = $input; %}
%typemap(out) size_t %{ $result = $1; %}
%typemap(csout, excode=SWIGEXCODE) size_t { return $imcall; }

/* ---- Scalar out-parameters: C# out (and ref) arguments, pointers underneath ----
 * The public wrapper takes `out T` and pins it with `fixed`; the P/Invoke declaration
 * takes a plain `T*`. A signature of primitives and pointers only is blittable, so the
 * runtime inlines the call into its caller; an `out T` there would make it generate an
 * IL stub for every call (11-24 ns on a recv: docs/benchmarks.md, "What is left per call,
 * layer by layer"). */
%define POLYSOCK_BYREF(CTYPE, CSTYPE, DIR)
%typemap(ctype) CTYPE *POLYSOCK_##DIR "void *"
%typemap(imtype) CTYPE *POLYSOCK_##DIR "CSTYPE*"
%typemap(cstype) CTYPE *POLYSOCK_##DIR "DIR CSTYPE"
%typemap(csin, pre="    fixed (CSTYPE* swig_ptrTo_$csinput = &$csinput) {",
         terminator="    }") CTYPE *POLYSOCK_##DIR "swig_ptrTo_$csinput"
%typemap(in) CTYPE *POLYSOCK_##DIR %{ $1 = ($1_ltype)$input; %}
%enddef
POLYSOCK_BYREF(int, int, out)
POLYSOCK_BYREF(unsigned int, uint, out)
POLYSOCK_BYREF(double, double, out)
POLYSOCK_BYREF(long long, long, out)
POLYSOCK_BYREF(unsigned long long, ulong, out)
POLYSOCK_BYREF(size_t, nuint, out)
POLYSOCK_BYREF(size_t, nuint, ref)
POLYSOCK_BYREF(void *, global::System.IntPtr, out)

%apply int *POLYSOCK_out { int *out, int *out_fd, int *out_family, int *out_type, int *out_proto,
                           int *out_port, int *out_found };
%apply unsigned int *POLYSOCK_out { unsigned int *out };
%apply double *POLYSOCK_out { double *out };
%apply long long *POLYSOCK_out { long long *out, long long *out_value, int64_t *out_sent };
%apply unsigned long long *POLYSOCK_out { sock_handle *out, sock_handle *out_conn,
                                          sock_handle *out_a, sock_handle *out_b,
                                          sock_poller *out, tls_context *out, tls_object *out };
%apply size_t *POLYSOCK_out { size_t * };
/* sock_cmsg_next's cursor is read and written: a C# ref argument. */
%apply size_t *POLYSOCK_ref { size_t *cursor };

/* ---- Raw pointers: buffers, structs, opaque lists ---- */

%define POLYSOCK_RAW(TYPE)
%typemap(ctype) TYPE "void *"
%typemap(imtype) TYPE "global::System.IntPtr"
%typemap(cstype) TYPE "global::System.IntPtr"
%typemap(csin) TYPE "$csinput"
%typemap(in) TYPE %{ $1 = ($1_ltype)$input; %}
%enddef
POLYSOCK_RAW(void *)
POLYSOCK_RAW(const void *)
POLYSOCK_RAW(char *)
POLYSOCK_RAW(unsigned char *)
POLYSOCK_RAW(const unsigned char *)
POLYSOCK_RAW(unsigned char out[4])
POLYSOCK_RAW(sock_address *)
POLYSOCK_RAW(const sock_address *)
POLYSOCK_RAW(sock_event *)
POLYSOCK_RAW(net_addrinfo *)
POLYSOCK_RAW(net_if_entry *)
POLYSOCK_RAW(net_hostent *)
POLYSOCK_RAW(const net_hostent *)
POLYSOCK_RAW(net_addrinfo_list *)
POLYSOCK_RAW(const net_addrinfo_list *)
POLYSOCK_RAW(net_if_list *)
POLYSOCK_RAW(const net_if_list *)
POLYSOCK_RAW(const sock_iovec *)
POLYSOCK_RAW(const sock_cmsg *)
POLYSOCK_RAW(sock_cmsg *)
POLYSOCK_RAW(sock_msg_info *)
POLYSOCK_RAW(const int *fds)
POLYSOCK_RAW(int *fds)
POLYSOCK_RAW(net_connect_errors *)
POLYSOCK_RAW(const net_connect_errors *)
POLYSOCK_RAW(net_connect_error *)
POLYSOCK_RAW(tls_error_info *)
POLYSOCK_RAW(tls_cipher_info *)
POLYSOCK_RAW(tls_cert_info *)
POLYSOCK_RAW(tls_cert_entry *)
POLYSOCK_RAW(tls_cert *)
POLYSOCK_RAW(const tls_cert *)
/* The interrupt hook: an unmanaged function pointer (the hand-written layer's
 * [UnmanagedCallersOnly] method, or net_interrupt_flag_hook's address below). */
POLYSOCK_RAW(sock_interrupt_hook)

/* Out-pointers to library-owned lists and strings: out IntPtr, pinned as above. */
%apply void **POLYSOCK_out { net_hostent **, net_addrinfo_list **, net_if_list **,
                             net_connect_errors **, tls_cert **, const char **out_name };

/* Static strings returned by the library (version, error message, status name):
 * a pointer the hand-written layer decodes as UTF-8, so no string callback runs. */
%define POLYSOCK_CSTRING_RESULT(NAME)
%typemap(ctype) const char *NAME "const char *"
%typemap(imtype) const char *NAME "global::System.IntPtr"
%typemap(cstype) const char *NAME "global::System.IntPtr"
%typemap(out) const char *NAME %{ $result = $1; %}
%typemap(csout, excode=SWIGEXCODE) const char *NAME { return $imcall; }
%enddef
POLYSOCK_CSTRING_RESULT(net_version)
POLYSOCK_CSTRING_RESULT(sock_last_error_message)
POLYSOCK_CSTRING_RESULT(sock_strerror)

/* Input strings (host names, paths, services): UTF-8, NULL for a C# null. */
%typemap(imtype, inattributes="[global::System.Runtime.InteropServices.MarshalAs(global::System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)]") const char * "string"
%typemap(cstype) const char * "string"

%include "polysock/polysock.h"

/* The address of the ready-made flag hook, for net_set_interrupt_hook: C# cannot take
 * the address of a P/Invoke target, and the wrapper links libpolysock anyway. */
%typemap(out) sock_interrupt_hook %{ $result = (void *)$1; %}
%typemap(csout, excode=SWIGEXCODE) sock_interrupt_hook { return $imcall; }
%inline %{
sock_interrupt_hook polysock_csharp_flag_hook(void) { return net_interrupt_flag_hook; }
%}

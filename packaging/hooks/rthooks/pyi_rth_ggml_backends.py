# Runtime hook: register llama.cpp's backends from the bundle's own folder, before any other code.
#
# A build with GGML_BACKEND_DL keeps the CPU variants (and any GPU backend) in separate modules that
# ggml loads on first use from the executable's folder *and the current working folder*
# (ggml_backend_load_best in ggml-backend-reg.cpp). Loading them here, from llama_cpp/lib inside the
# bundle, means the current folder is never searched: a stray libggml-*.so there cannot be loaded
# into Hearth. A build without GGML_BACKEND_DL has its backends linked in, and this does nothing.


def _pyi_rthook():
    import ctypes
    import os
    import sys

    lib_dir = os.path.join(sys._MEIPASS, "llama_cpp", "lib")
    if sys.platform == "win32":
        candidates = (("ggml-base.dll",), ("ggml.dll",))
    else:
        candidates = (("libggml-base.so.0", "libggml-base.0.dylib", "libggml-base.dylib"),
                      ("libggml.so.0", "libggml.0.dylib", "libggml.dylib"))
    paths = []
    for names in candidates:
        found = [path for path in (os.path.join(lib_dir, name) for name in names)
                 if os.path.isfile(path)]
        if not found:
            return
        paths.append(found[0])
    if sys.platform == "win32":
        # ggml.dll needs ggml-base.dll beside it; keep the handle so the folder stays searchable.
        sys._hearth_ggml_dll_dir = os.add_dll_directory(lib_dir)
    try:
        base, ggml = (ctypes.CDLL(path) for path in paths)
        ggml.ggml_backend_reg_count.restype = ctypes.c_size_t
        if ggml.ggml_backend_reg_count() != 0:  # backends linked in: not a GGML_BACKEND_DL build
            return
        log_callback = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)

        def warnings_only(level, text, _user_data):
            # ggml logs "loaded CPU backend from …" at INFO on every start; keep WARN and ERROR.
            if level in (3, 4) and text and sys.stderr is not None:
                sys.stderr.write(text.decode("utf-8", "replace"))

        quiet = log_callback(warnings_only)
        base.ggml_log_set.argtypes = [log_callback, ctypes.c_void_p]
        base.ggml_log_set(quiet, None)
        try:
            ggml.ggml_backend_load_all_from_path.argtypes = [ctypes.c_char_p]
            ggml.ggml_backend_load_all_from_path.restype = None
            ggml.ggml_backend_load_all_from_path(os.fsencode(lib_dir))
        finally:
            base.ggml_log_set(log_callback(), None)  # back to ggml's default (stderr)
    except (OSError, AttributeError):
        pass  # llama_cpp reports a library it cannot use when it is first imported


_pyi_rthook()
del _pyi_rthook

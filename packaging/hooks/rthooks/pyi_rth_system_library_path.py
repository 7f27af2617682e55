# Runtime hook: programs Hearth starts that are not Hearth itself get the user's library path.
#
# On Linux the bootloader puts the bundle's folder first in LD_LIBRARY_PATH (keeping the user's
# value in LD_LIBRARY_PATH_ORIG). Hearth's own process has already resolved its libraries by now,
# and a second Hearth process (the model check, `hearth --probe-model`) sets it up again; but the
# browser that xdg-open starts for a link in an answer would load the bundle's Qt, GLib and
# libstdc++ instead of the system's, and crash or misbehave.


def _pyi_rthook():
    import os
    import sys

    if sys.platform == "win32" or sys.platform == "darwin":
        return
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is not None:
        os.environ["LD_LIBRARY_PATH"] = original
    else:
        os.environ.pop("LD_LIBRARY_PATH", None)


_pyi_rthook()
del _pyi_rthook

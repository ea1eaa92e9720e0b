"""The exceptions flamecare raises. Each library error kind has its class, which is also the
matching built-in exception, so ``except FileNotFoundError`` keeps working. The C++ side
(python/src/errors.cpp) picks the class by kind; the message is the library's."""


class FlamecareError(Exception):
    """Base class of every error the flamecare library reports."""


class InvalidArgumentError(FlamecareError, ValueError):
    """An argument or input value is not acceptable."""


class NotFoundError(FlamecareError, FileNotFoundError):
    """A file, dataset or key does not exist."""


class IoError(FlamecareError, OSError):
    """The operating system failed a read, write, rename or lock."""


class CorruptFileError(FlamecareError):
    """A file exists but its content is damaged or truncated."""


class UnsupportedFileError(FlamecareError):
    """A valid file that uses a feature flamecare does not handle (e.g. a TIFF without
    ScanImage metadata)."""


class AlreadyExistsError(FlamecareError, FileExistsError):
    """An output exists already; flamecare never overwrites it."""


class InternalError(FlamecareError, RuntimeError):
    """A broken invariant inside flamecare (a bug: please report it)."""

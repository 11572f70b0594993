# The thread-count policy every fastact kernel asks, without the GIL.

cdef int effective_num_threads() noexcept nogil

# The thread-count policy every fastact kernel asks, without the GIL.

cdef int effective_num_threads() noexcept nogil
cdef int threads_for_length(Py_ssize_t n, Py_ssize_t min_parallel) noexcept nogil

// The narrow kernels with 8-double vectors (compiled with AVX-512 flags; called only where the CPU has them).
// Tiles: A X 32 rows x 6 columns, Q^T A 4 columns of A x 6 of Q (24 accumulators of the 32 registers).
#define JF_NARROW_DOUBLES 8
#define JF_NARROW_ROW_VECTORS 4
#define JF_NARROW_COLUMNS 6
#define JF_NARROW_A_COLUMNS 4
#define JF_NARROW_Q_COLUMNS 6
#define JF_NARROW_NAMESPACE avx512
#include "narrow_gemm_impl.hpp"

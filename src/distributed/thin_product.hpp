#pragma once
// Products of a big distributed matrix A (m x n) with a thin one (l columns, l much smaller than m and n):
// Y = A X and Z = A^T Q, the inner loop of the randomized and fixed-accuracy SVDs.
//
// Why not pdgemm: pdgemm walks the shared dimension one block panel at a time, and when l is below the
// block size the whole thin result lives on one process column, so on 2 ranks it reached about 40% of the
// local dgemm rate. Here each rank does one local product of its whole block of A with the matching rows of
// the thin operand (narrow_gemm.hpp: kernels that read A unpacked for narrow l, dgemm for wide), and the partial
// products are summed across the grid. The m-side operand moves along
// grid rows (a broadcast, then a reduce). An n-side operand whose l columns form one block (the SVDs'
// bases) moves by one all-to-all straight between its rows' owners and the ranks that use them
// (thin_exchange.hpp); in any other layout it goes through pdtran. Per rank this holds l x (n / PC) and
// (m / PR) x l of the thin matrices, as pdgemm's panels do; A is only read.
#include "distributed/single_precision_copy.hpp"
#include "jointfact/distributed/dist_matrix.hpp"

namespace jf {

// y = A x: x is n x l, y is m x l, both in any layout on A's grid.
void multiply_thin(const DistMatrix& a, const DistMatrix& x, DistMatrix& y);

// z = A^T q: q is m x l, z is n x l, both in any layout on A's grid.
void multiply_thin_transposed(const DistMatrix& a, const DistMatrix& q, DistMatrix& z);

// The same with A's float32 copy (x and q rounded to float32 as well, the sums as narrow_gemm.hpp's float kernels):
// column j of the result differs from the exact product of the double operands by at most
// kSingleProductError ||A||_F ||x_j||_2.
void multiply_thin(const SinglePrecisionCopy& a, const DistMatrix& x, DistMatrix& y);
void multiply_thin_transposed(const SinglePrecisionCopy& a, const DistMatrix& q, DistMatrix& z);

}  // namespace jf

// jstat ships no type declarations; only the functions this package calls are declared.
declare module "jstat" {
  export const jStat: {
    /** regularized incomplete beta function I_x(a, b) */
    ibeta(x: number, a: number, b: number): number;
  };
}

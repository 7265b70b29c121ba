// The npm package's sources rely on an implicit System.Reflection import that their original build provides.
global using System.Reflection;

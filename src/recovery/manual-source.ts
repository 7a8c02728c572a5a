// Where a rule comes from: the vendor's manual page and its sentence (the manuals' rules and the clone method's cite it).

export interface Source {
  url: string;
  /** The manual's sentence; "(paraphrase)" where the page words it across a table or a list. */
  quote: string;
}

"use client";
import { useId, type ReactNode } from "react";
import { Controller, type Control, type FieldPath, type FieldValues } from "react-hook-form";
import FormControl from "@mui/material/FormControl";
import FormControlLabel from "@mui/material/FormControlLabel";
import FormHelperText from "@mui/material/FormHelperText";
import Radio from "@mui/material/Radio";
import RadioGroup from "@mui/material/RadioGroup";
import Switch from "@mui/material/Switch";
import TextField, { type TextFieldProps } from "@mui/material/TextField";

// MUI inputs bound to a react-hook-form field: the value, the ref that focus-on-error needs, and the field's error
// in place of its helper text, announced (role="alert") when it appears.

/** A field of a form whose values are T (and, once validated, O: a schema may transform them). */
type Bound<T extends FieldValues, O> = { control: Control<T, unknown, O>; name: FieldPath<T> };

/** A field's error in place of its help (the caller announces it with role="alert"). */
const helper = (error: string | undefined, help: ReactNode) => ({
  error: Boolean(error),
  helperText: error ?? help,
});

/** A text field, a number field (`number`) or, with `select` and MenuItem children, a select. */
export function FormTextField<T extends FieldValues, O = T>({
  control,
  name,
  helperText,
  number,
  afterChange,
  slotProps,
  ...props
}: Bound<T, O> & {
  helperText?: ReactNode;
  /** The value is a number; an empty field is NaN, which the schema refuses. */
  number?: boolean;
  /** Runs after the value changed (to drop a preview that no longer matches, say). */
  afterChange?: (value: string) => void;
} & Omit<TextFieldProps, "name" | "value" | "onChange" | "onBlur" | "error" | "inputRef" | "helperText">) {
  return (
    <Controller
      control={control}
      name={name}
      render={({ field: { ref, value, onChange, ...field }, fieldState }) => (
        <TextField
          {...props}
          {...field}
          type={number ? "number" : props.type}
          value={number ? (Number.isNaN(value) ? "" : value) : (value ?? "")}
          onChange={(e) => {
            onChange(number ? (e.target.value === "" ? Number.NaN : Number(e.target.value)) : e.target.value);
            afterChange?.(e.target.value);
          }}
          inputRef={ref}
          {...helper(fieldState.error?.message, helperText)}
          slotProps={{
            ...slotProps,
            formHelperText: fieldState.error ? { role: "alert" } : undefined,
          }}
        />
      )}
    />
  );
}

/** A switch with its label, an optional line of help under it (its description), and its error (rare: a rule across fields). */
export function FormSwitch<T extends FieldValues, O = T>({
  control,
  name,
  label,
  disabled,
  checked,
  helperText,
  testId,
}: Bound<T, O> & {
  label: ReactNode;
  disabled?: boolean;
  /** Shown instead of the value, e.g. off while the cluster can't do it. */
  checked?: boolean;
  /** Said under the switch, e.g. why it is off. */
  helperText?: ReactNode;
  /** data-testid of the field's root. */
  testId?: string;
}) {
  const helpId = useId();
  return (
    <Controller
      control={control}
      name={name}
      render={({ field, fieldState }) => (
        <FormControl error={Boolean(fieldState.error)} data-testid={testId}>
          <FormControlLabel
            control={
              <Switch
                checked={checked ?? Boolean(field.value)}
                onChange={(e) => field.onChange(e.target.checked)}
                onBlur={field.onBlur}
                slotProps={{ input: { ref: field.ref, "aria-describedby": helperText ? helpId : undefined } }}
                disabled={disabled}
              />
            }
            label={label}
          />
          {helperText && (
            <FormHelperText id={helpId} error={false}>
              {helperText}
            </FormHelperText>
          )}
          {fieldState.error && <FormHelperText role="alert">{fieldState.error.message}</FormHelperText>}
        </FormControl>
      )}
    />
  );
}

/** Radio buttons for one choice; `label` names the group for assistive technology. */
export function FormRadioGroup<T extends FieldValues, O = T>({
  control,
  name,
  label,
  options,
}: Bound<T, O> & { label: string; options: { value: string; label: ReactNode }[] }) {
  return (
    <Controller
      control={control}
      name={name}
      render={({ field, fieldState }) => (
        <FormControl error={Boolean(fieldState.error)}>
          <RadioGroup
            value={field.value}
            onChange={(e) => field.onChange(e.target.value)}
            onBlur={field.onBlur}
            aria-label={label}
          >
            {options.map((o, i) => (
              <FormControlLabel
                key={o.value}
                value={o.value}
                control={<Radio slotProps={{ input: { ref: i === 0 ? field.ref : undefined } }} />}
                label={o.label}
              />
            ))}
          </RadioGroup>
          {fieldState.error && <FormHelperText role="alert">{fieldState.error.message}</FormHelperText>}
        </FormControl>
      )}
    />
  );
}
